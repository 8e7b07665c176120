import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildService, traceDependencies } from './image-build-step.js';

/**
 * The build step on a small synthetic workspace, so that its two tricky cases
 * are covered whatever the real lockfile looks like today: a package npm nested
 * under a workspace package (not visible from the bundle's directory), and the
 * dependency closure (optional ones skipped, required ones enforced).
 */
const root = mkdtempSync(path.join(tmpdir(), 'parley-trace-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function write(file: string, text: string) {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
}
function pkg(dir: string, manifest: Record<string, unknown>, main = "export const version = 'x';\n") {
  write(`${dir}/package.json`, JSON.stringify({ type: 'module', main: 'index.js', ...manifest }));
  write(`${dir}/index.js`, main);
  write(`${dir}/index.d.ts`, 'export declare const version: string;\n');
}

// dep@1 at the root (what some test tool wanted), dep@2 nested under the workspace package kit.
pkg('node_modules/dep', { name: 'dep', version: '1.0.0' }, "export const version = 'one';\n");
pkg('packages/kit/node_modules/dep', { name: 'dep', version: '2.0.0', dependencies: { helper: '1' }, optionalDependencies: { 'other-platform': '1' } }, "import { help } from 'helper';\nexport const version = 'two-' + help;\n");
pkg('node_modules/helper', { name: 'helper', version: '1.0.0' }, "export const help = 'helped';\n");
pkg('node_modules/direct', { name: 'direct', version: '1.0.0' }, "export const version = 'direct';\n");
pkg('node_modules/dev-only', { name: 'dev-only', version: '1.0.0' });
write('packages/kit/package.json', JSON.stringify({ name: '@parley/kit', type: 'module', exports: { '.': './src/index.ts' } }));
write('packages/kit/src/index.ts', "import { version } from 'dep';\nexport const kitDep: string = version;\n");
mkdirSync(path.join(root, 'node_modules/@parley'), { recursive: true });
symlinkSync('../../packages/kit', path.join(root, 'node_modules/@parley/kit'));
write('services/notifier/tsconfig.json', '{}');
write(
  'services/notifier/src/main.ts',
  "import { kitDep } from '@parley/kit';\nimport { version } from 'direct';\nconsole.log(JSON.stringify({ kitDep, direct: version }));\n",
);

describe('build-service on a synthetic workspace', () => {
  const out = path.join(root, 'out');

  it('bundles workspace code, keeps npm packages external and reaches the nested version by path', async () => {
    const result = await buildService({ service: 'notifier', outDir: out, root });
    expect(result.externals).toEqual(['node_modules/direct', 'packages/kit/node_modules/dep']);
    const bundle = readFileSync(result.outFile, 'utf8');
    expect(bundle).toContain('from "direct"');
    expect(bundle).toContain('from "../../../packages/kit/node_modules/dep/index.js"');
    expect(bundle).not.toContain('@parley/kit');
    // dep's own dependency comes along; the root dep@1, dev-only packages and typings do not.
    expect(existsSync(path.join(out, 'node_modules/helper/index.js'))).toBe(true);
    expect(existsSync(path.join(out, 'node_modules/dep'))).toBe(false);
    expect(existsSync(path.join(out, 'node_modules/dev-only'))).toBe(false);
    expect(existsSync(path.join(out, 'packages/kit/node_modules/dep/index.d.ts'))).toBe(false);
  });

  it('runs from the output alone, with the nested version', () => {
    const run = spawnSync(process.execPath, ['dist/main.js'], { cwd: path.join(out, 'services/notifier'), encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(JSON.parse(run.stdout)).toEqual({ kitDep: 'two-helped', direct: 'direct' });
  });

  it('refuses a closure with a required dependency missing', () => {
    pkg('node_modules/broken', { name: 'broken', version: '1.0.0', dependencies: { 'not-installed': '1' } });
    expect(() => traceDependencies([path.join(root, 'node_modules/broken')], root)).toThrow(/needs not-installed, which is not installed/);
  });

  it('refuses a service name it does not know', async () => {
    await expect(buildService({ service: 'mailer', outDir: out, root })).rejects.toThrow(/unknown service "mailer"/);
  });
});
