import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDockerfile } from './dockerfile.js';
import { repoRoot, services } from './layout.js';

/** The Dockerfile's build step, e.g. `node k8s/image/build-service.mjs "$SERVICE" /deploy`, as argv for one service. */
function buildCommand(service: string, outDir: string): string[] {
  const file = parseDockerfile(readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8'));
  const runs = file.stages.flatMap((s) => s.instructions).filter((i) => i.keyword === 'RUN' && i.args.includes('build-service.mjs'));
  expect(runs).toHaveLength(1);
  return (runs[0]?.args as string)
    .split(/\s+/)
    .map((word) => word.replaceAll('"$SERVICE"', service).replace(/^\/deploy$/, outDir));
}

const work = mkdtempSync(path.join(tmpdir(), 'parley-image-'));
// Three copied dependency trees: removing them takes over a minute on a loaded
// 2-core machine, which is cleanup time, not a verdict on the build step.
afterAll(() => rm(work, { recursive: true, force: true }), 300_000);

// Packages that only tests, tooling or the build need: none may reach an image.
const devOnly = ['vitest', 'typescript', 'eslint', 'nx', 'tsx', 'esbuild', 'azurite', 'vite', '@parley/testkit', 'kubernetes-models'];

describe.each(services.map((s) => s.name))('image build step for %s', (service) => {
  const out = path.join(work, service);
  let built: { outFile: string; externals: string[]; packages: number } | undefined;

  it('bundles the service and copies the packages it loads', () => {
    const [command, ...args] = buildCommand(service, out);
    expect(command).toBe('node');
    if (service === 'gateway') {
      // The image builds web/dist first; here a stand-in page keeps the check independent of the web build.
      const web = path.join(work, 'web-dist');
      mkdirSync(web, { recursive: true });
      writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>stand-in</title>');
      args.push('--web', web);
    }
    const result = spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    built = JSON.parse(result.stdout);
    expect(built?.outFile).toBe(path.join(out, 'services', service, 'dist', 'main.js'));
    expect(built?.externals.length).toBeGreaterThan(0);
    if (service === 'gateway') expect(existsSync(path.join(out, 'web', 'dist', 'index.html'))).toBe(true);
  }, 120_000);

  it('produces ESM that node accepts', () => {
    expect(built).toBeDefined();
    const check = spawnSync(process.execPath, ['--check', built?.outFile as string], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(JSON.parse(readFileSync(path.join(out, 'services', service, 'package.json'), 'utf8')).type).toBe('module');
  });

  it('leaves every dev-only package out', () => {
    for (const name of devOnly) expect(existsSync(path.join(out, 'node_modules', name)), name).toBe(false);
    for (const external of built?.externals ?? []) expect(existsSync(path.join(out, external, 'package.json')), external).toBe(true);
  });

  it('starts from the copied tree alone: every import resolves, then the config check stops it', () => {
    // Outside the repository, with no configuration: module linking happens before any
    // code runs, so a missing package fails with ERR_MODULE_NOT_FOUND; a complete tree
    // reaches loadConfig, which exits non-zero naming the missing variable.
    const run = spawnSync(process.execPath, ['--enable-source-maps', 'dist/main.js'], {
      cwd: path.join(out, 'services', service),
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production' },
      timeout: 60_000,
    });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(output).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
    expect(run.status).not.toBe(0);
    const fatal = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line))
      .find((entry) => entry.level === 60);
    expect(JSON.stringify(fatal)).toMatch(/PARLEY_CONFIG_INVALID|is required/);
  }, 60_000);
});
