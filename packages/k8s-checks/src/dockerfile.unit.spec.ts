import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { baseImage, basePinProblem, parseDockerfile, type Stage } from './dockerfile.js';
import { repoRoot, services } from './layout.js';

const text = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8');
const dockerfile = parseDockerfile(text);
const stage = (name: string): Stage => {
  const found = dockerfile.stages.find((s) => s.name === name);
  if (!found) throw new Error(`Dockerfile has no stage "${name}"`);
  return found;
};
const runtime = dockerfile.stages.at(-1) as Stage;
const runs = (s: Stage) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);

describe('parseDockerfile', () => {
  it('joins continuations, skips comments and splits stages', () => {
    const parsed = parseDockerfile('ARG A=x\n# c\nFROM img:${A} AS one\nRUN a \\\n  # note\n  && b\nFROM one\nUSER 1\n');
    expect(parsed.stages).toHaveLength(2);
    expect(parsed.stages[0]).toEqual({ from: 'img:${A}', name: 'one', instructions: [{ keyword: 'RUN', args: 'a && b' }] });
    expect(baseImage(parsed, parsed.stages[0] as Stage)).toBe('img:x');
    expect(parsed.stages[1]?.instructions).toEqual([{ keyword: 'USER', args: '1' }]);
  });
});

describe('basePinProblem', () => {
  const digest = 'a'.repeat(64);
  const problems = (text: string) => {
    const parsed = parseDockerfile(text);
    return parsed.stages.map((s) => basePinProblem(parsed, s));
  };

  it('accepts Node 24 bookworm-slim pinned by digest, through an ARG or not, and stages built on earlier stages', () => {
    expect(problems(`ARG IMG=node:24-bookworm-slim@sha256:${digest}\nFROM \${IMG} AS a\nFROM a AS b\nFROM docker.io/library/node:24.21.0-bookworm-slim@sha256:${digest}\n`)).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('refuses a tag without a digest, another Node line, another image, and a short digest', () => {
    const [unpinned, node22, other, short] = problems(
      `FROM node:24-bookworm-slim\nFROM node:22-bookworm-slim@sha256:${digest}\nFROM debian:bookworm-slim@sha256:${digest}\nFROM node:24-bookworm-slim@sha256:abc\n`,
    );
    expect(unpinned).toMatch(/not pinned by digest/);
    expect(node22).toMatch(/not node:24-bookworm-slim/);
    expect(other).toMatch(/not node:24-bookworm-slim/);
    expect(short).toMatch(/not node:24-bookworm-slim/);
  });

  it('does not take a later stage, or an unknown name, for an earlier stage', () => {
    expect(problems('FROM b AS a\nFROM a AS b\n')[0]).toMatch(/b is not pinned by digest/);
  });
});

describe('Dockerfile', () => {
  it('builds every stage on Node 24 LTS (bookworm-slim, which has the sleep the preStop hook runs), pinned by digest', () => {
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['manifests', 'build', 'runtime']);
    expect(dockerfile.stages.map((s) => basePinProblem(dockerfile, s))).toEqual([undefined, undefined, undefined]);
    for (const s of dockerfile.stages) expect(baseImage(dockerfile, s)).toMatch(/^node:24-bookworm-slim@sha256:[0-9a-f]{64}$/);
  });

  it('installs from the lockfile once, in the build stage, with install scripts off', () => {
    expect(runs(stage('build')).filter((r) => /\bnpm (ci|install|i)\b/.test(r))).toEqual(['npm ci --ignore-scripts --no-audit --no-fund']);
  });

  it('accepts exactly the three services as SERVICE and builds the page for the gateway', () => {
    const build = runs(stage('build')).join('\n');
    const names = /case "\$SERVICE" in (\S+)\)/.exec(build)?.[1]?.split('|');
    expect(names?.sort()).toEqual(services.map((s) => s.name).sort());
    expect(build).toContain('if [ "$SERVICE" = gateway ]; then npm run build -w web; fi');
    expect(build).toContain('node k8s/image/build-service.mjs "$SERVICE" /deploy');
  });

  it('gives the runtime stage only the built tree: no package install, no sources', () => {
    expect(runtime.name).toBe('runtime');
    expect(runs(runtime)).toEqual([]);
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD');
    expect(copies.map((c) => c.args)).toEqual(['--from=build /deploy/ /app/']);
  });

  it('runs as the non-root node user, in production mode, from the bundle', () => {
    const users = runtime.instructions.filter((i) => i.keyword === 'USER');
    expect(users.map((u) => u.args)).toEqual(['1000:1000']);
    const env = runtime.instructions.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' ');
    expect(env).toMatch(/\bNODE_ENV=production\b/);
    expect(runtime.instructions.find((i) => i.keyword === 'WORKDIR')?.args).toBe('/app/services/${SERVICE}');
    expect(runtime.instructions.find((i) => i.keyword === 'CMD')?.args).toBe('["node", "dist/main.js"]');
    // Only the final USER matters, and it must come after every COPY (files stay root-owned, read-only to the process).
    const lastCopy = runtime.instructions.findLastIndex((i) => i.keyword === 'COPY');
    expect(runtime.instructions.findIndex((i) => i.keyword === 'USER')).toBeGreaterThan(lastCopy);
  });

  it('is built from a context without node_modules, build output, git data or env files', () => {
    const ignored = readFileSync(path.join(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const pattern of ['**/node_modules', '**/dist', '.git', '**/.env', '**/.env.*']) expect(ignored).toContain(pattern);
    // The build needs these, so they must not be ignored.
    for (const needed of ['k8s', 'packages', 'services', 'web', 'package-lock.json']) expect(ignored).not.toContain(needed);
  });
});
