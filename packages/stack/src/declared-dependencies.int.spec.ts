import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WORKSPACE_ROOT } from '@parley/testkit';

/**
 * Every package a project imports is declared in that project's package.json (nx builds
 * its project graph, and so `nx affected`, from those declarations; an image build copies
 * only what they list). Tools every project runs through the root (vitest, eslint, tsx,
 * typescript) count as declared by the root package.json.
 */
const root = JSON.parse(readFileSync(join(WORKSPACE_ROOT, 'package.json'), 'utf8')) as { workspaces: string[]; devDependencies: Record<string, string> };
const builtins = new Set(builtinModules);
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;
const SOURCE = /\.(ts|tsx|js|mjs|cjs|vue)$/;
const SKIP = new Set(['node_modules', 'dist', 'test-artifacts', '.parley']);

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

function undeclaredImports(dir: string): Record<string, string> {
  const manifest = JSON.parse(readFileSync(join(WORKSPACE_ROOT, dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | string>;
  const declared = new Set([
    manifest.name as string,
    ...Object.keys(root.devDependencies),
    ...(['dependencies', 'devDependencies', 'peerDependencies', 'optionalDependencies'] as const).flatMap((field) => Object.keys((manifest[field] as Record<string, string>) ?? {})),
  ]);
  const missing: Record<string, string> = {};
  for (const file of sourceFiles(join(WORKSPACE_ROOT, dir))) {
    for (const match of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      const specifier = match[1] ?? match[2] ?? match[3] ?? '';
      if (!specifier || specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:') || specifier.startsWith('virtual:')) continue;
      const name = packageOf(specifier);
      if (builtins.has(name) || declared.has(name)) continue;
      missing[name] ??= relative(WORKSPACE_ROOT, file);
    }
  }
  return missing;
}

describe('declared dependencies', () => {
  it.each(projects())('%s declares every package it imports', (dir) => {
    expect(undeclaredImports(dir)).toEqual({});
  });
});
