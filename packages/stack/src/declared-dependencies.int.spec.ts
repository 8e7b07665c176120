import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, WORKSPACE_ROOT } from '@parley/testkit';

/**
 * Both directions of a project's package.json against its code. Every package a project
 * imports is declared in that project's package.json (nx builds its project graph, and so
 * `nx affected`, from those declarations; an image build copies only what they list). Tools
 * every project runs through the root (vitest, eslint, tsx, typescript) count as declared by
 * the root package.json. And every package a project declares is used: imported, or used in
 * one of the ways below that an import scan cannot see — a dependency left behind costs
 * install time and image size, and misleads a reader about what the code needs.
 */
const root = JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'package.json'), 'utf8')) as { workspaces: string[]; devDependencies: Record<string, string> };
const builtins = new Set(builtinModules);
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|(?:\brequire(?:\.resolve)?|\bcreateRequire\([^)]*\))\(\s*['"]([^'"]+)['"]\s*\)/g;
/** A test file's vitest environment names the package that provides it. */
const VITEST_ENVIRONMENT = /@vitest-environment\s+([\w@/.-]+)/g;
const SOURCE = /\.(ts|tsx|js|mjs|cjs|vue)$/;
const SKIP = new Set(['node_modules', 'dist', 'test-artifacts', '.parley']);

/**
 * Declared, used, and no scan below can see it: each with the reason. Keep this list short;
 * a dependency that needs no entry here is better.
 */
const USED_UNSEEN: Record<string, Record<string, string>> = {
  'packages/k8s-checks': { esbuild: 'k8s/image/build-service.mjs, which this project lints and tests, bundles the images with it' },
};

interface Manifest {
  name: string;
  scripts?: Record<string, string>;
  bin?: string | Record<string, string>;
  peerDependencies?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const readManifest = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as Manifest;
const projectManifest = (dir: string) => readManifest(resolve(WORKSPACE_ROOT, dir, 'package.json'));

function projects(): string[] {
  return root.workspaces.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return readdirSync(join(WORKSPACE_ROOT, parent)).map((name) => `${parent}/${name}`);
  }).filter((dir) => {
    try {
      return statSync(join(WORKSPACE_ROOT, dir, 'package.json')).isFile();
    } catch {
      return false;
    }
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (SKIP.has(entry.name)) return [];
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : SOURCE.test(entry.name) ? [path] : [];
  });
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
const packageOf = (specifier: string) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/** The packages a project's sources import (and the vitest environments they ask for). */
function importedPackages(dir: string): Map<string, string> {
  const imported = new Map<string, string>();
  for (const file of sourceFiles(resolve(WORKSPACE_ROOT, dir))) {
    const text = readFileSync(file, 'utf8');
    const specifiers = [...[...text.matchAll(IMPORT)].map((match) => match[1] ?? match[2] ?? match[3] ?? match[4] ?? ''), ...[...text.matchAll(VITEST_ENVIRONMENT)].map((match) => match[1]!)];
    for (const specifier of specifiers) {
      if (!specifier || specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:') || specifier.startsWith('virtual:')) continue;
      const name = packageOf(specifier);
      if (!builtins.has(name) && !imported.has(name)) imported.set(name, relative(WORKSPACE_ROOT, file));
    }
  }
  return imported;
}

function declaredBy(manifest: Manifest): string[] {
  return (['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const).flatMap((field) => Object.keys(manifest[field] ?? {}));
}

function undeclaredImports(dir: string): Record<string, string> {
  const manifest = projectManifest(dir);
  const declared = new Set([manifest.name, ...Object.keys(root.devDependencies), ...declaredBy(manifest)]);
  return Object.fromEntries([...importedPackages(dir)].filter(([name]) => !declared.has(name)));
}

/** An installed dependency's own manifest, from the project's node_modules or the workspace's. */
function installedManifest(dir: string, name: string): Manifest | undefined {
  for (const base of [resolve(WORKSPACE_ROOT, dir, 'node_modules'), join(WORKSPACE_ROOT, 'node_modules')]) {
    try {
      return readManifest(join(base, name, 'package.json'));
    } catch {
      // not installed here; try the next place
    }
  }
  return undefined;
}

const binNames = (manifest: Manifest | undefined) =>
  !manifest?.bin ? [] : typeof manifest.bin === 'string' ? [manifest.name.split('/').pop()!] : Object.keys(manifest.bin);
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Declared packages the project does not use, each with what was looked for. Used means:
 * imported; or the types of an imported package (or of Node); or a command of it run by one
 * of the project's scripts or started by name from its sources (`binPath('azurite-table')`,
 * `--import tsx`); or a peer dependency another declared package requires; or listed in
 * USED_UNSEEN with the reason.
 */
function unusedDeclarations(dir: string): Record<string, string> {
  const manifest = projectManifest(dir);
  const own = (['dependencies', 'devDependencies', 'optionalDependencies'] as const).flatMap((field) => Object.keys(manifest[field] ?? {}));
  const imported = importedPackages(dir);
  const scripts = Object.values(manifest.scripts ?? {}).join('\n');
  const sources = sourceFiles(resolve(WORKSPACE_ROOT, dir)).map((file) => readFileSync(file, 'utf8')).join('\n');
  const peers = new Set(own.flatMap((name) => Object.keys(installedManifest(dir, name)?.peerDependencies ?? {})));
  const unused: Record<string, string> = {};
  for (const name of own) {
    if (imported.has(name) || peers.has(name) || USED_UNSEEN[dir]?.[name]) continue;
    if (name.startsWith('@types/')) {
      const typed = name.slice('@types/'.length).replace(/^(.+)__(.+)$/, '@$1/$2');
      if (typed === 'node' || imported.has(typed)) continue;
      unused[name] = `no import of ${typed}`;
      continue;
    }
    const commands = [...new Set([name, ...binNames(installedManifest(dir, name))])];
    const run = commands.some((command) => new RegExp(`(^|[\\s'"/])${escape(command)}([\\s'"]|$)`, 'm').test(scripts) || new RegExp(`['"]${escape(command)}['"]`).test(sources));
    if (!run) unused[name] = `not imported, no script or source runs ${commands.join(' / ')}, no declared package needs it as a peer`;
  }
  return unused;
}

describe('declared dependencies', () => {
  it.each(projects())('%s declares every package it imports', (dir) => {
    expect(undeclaredImports(dir)).toEqual({});
  });

  it.each(projects())('%s uses every package it declares', (dir) => {
    expect(unusedDeclarations(dir)).toEqual({});
  });

  it('finds what a project declares and does not use, and accepts the uses an import scan cannot see', () => {
    const dir = tempDir('declared-');
    mkdirSync(join(dir, 'src'));
    const manifest = {
      name: '@parley/fixture',
      scripts: { start: 'tsx src/main.ts' },
      dependencies: { 'prom-client': '*', tsx: '*', 'left-pad': '*', 'eslint-plugin-vue': '*', 'vue-eslint-parser': '*' },
      devDependencies: { '@types/ws': '*', '@types/node': '*', azurite: '*' },
    };
    writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest));
    writeFileSync(join(dir, 'eslint.config.js'), "import vue from 'eslint-plugin-vue';\nexport default vue.configs['flat/recommended'];\n");
    writeFileSync(join(dir, 'src', 'main.ts'), "import { Counter } from 'prom-client';\nexport const start = () => ['azurite-table', Counter];\n");
    expect(unusedDeclarations(dir)).toEqual({
      'left-pad': expect.stringContaining('not imported') as string,
      '@types/ws': 'no import of ws',
    });
  });
});
