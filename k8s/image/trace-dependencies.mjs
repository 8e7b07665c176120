/**
 * The production dependency closure of a set of installed packages, found the
 * way node finds them at run time: for each dependency, the nearest
 * node_modules/<name> walking up from the package that needs it. Reads the
 * installed package.json files (laid out by `npm ci` from package-lock.json).
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import path from 'node:path';

/** "@scope/name/sub" → "@scope/name"; "name/sub" → "name". */
export function packageNameOf(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The directory node would load `name` from when required inside `fromDir`, searching no higher than `root`. */
export function resolvePackageDir(fromDir, name, root) {
  let dir = path.resolve(fromDir);
  const top = path.resolve(root);
  for (;;) {
    if (path.basename(dir) !== 'node_modules') {
      const candidate = path.join(dir, 'node_modules', name);
      if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    }
    if (dir === top) return undefined;
    const parent = path.dirname(dir);
    if (parent === dir || !parent.startsWith(top)) return undefined;
    dir = parent;
  }
}

function readManifest(dir) {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
}

/**
 * Every package directory reachable from `startDirs` through dependencies,
 * optionalDependencies and peerDependencies. A missing optional dependency
 * (another platform's binary, say) or optional peer is skipped; a missing
 * required one is an error, because the image would fail at run time.
 */
export function traceDependencies(startDirs, root) {
  const seen = new Set();
  const queue = startDirs.map((dir) => realpathSync(dir));
  while (queue.length > 0) {
    const dir = queue.pop();
    if (seen.has(dir)) continue;
    seen.add(dir);
    const manifest = readManifest(dir);
    const optionalPeers = manifest.peerDependenciesMeta ?? {};
    const wanted = [
      ...Object.keys(manifest.dependencies ?? {}).map((name) => ({ name, optional: false })),
      ...Object.keys(manifest.optionalDependencies ?? {}).map((name) => ({ name, optional: true })),
      ...Object.keys(manifest.peerDependencies ?? {}).map((name) => ({ name, optional: optionalPeers[name]?.optional === true })),
    ];
    for (const { name, optional } of wanted) {
      const found = resolvePackageDir(dir, name, root);
      if (found) {
        queue.push(realpathSync(found));
      } else if (!optional) {
        const error = new Error(`${path.relative(root, dir)} needs ${name}, which is not installed`);
        error.code = 'PARLEY_IMAGE_MISSING_DEPENDENCY';
        throw error;
      }
    }
  }
  return [...seen].sort();
}
