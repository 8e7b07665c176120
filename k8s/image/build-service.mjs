#!/usr/bin/env node
/**
 * Builds one service's runtime tree for its container image:
 *
 *   node k8s/image/build-service.mjs <gateway|chat-worker|notifier> <out-dir> [--web <dir>]
 *
 * 1. esbuild bundles services/<name>/src/main.ts (and the @parley workspace
 *    packages it uses, which ship TypeScript) into <out>/services/<name>/dist/main.js.
 *    npm packages stay external: they are loaded from node_modules at run time.
 * 2. Every external package, and everything it depends on, is copied from the
 *    installed tree into <out> at the same relative path, so node resolves them
 *    exactly as npm laid them out from package-lock.json. Dev dependencies are
 *    never reached, so none are copied.
 * 3. For the gateway, the built page (web/dist) is copied to <out>/web/dist.
 *
 * The output mirrors the repository layout and is copied to /app in the image.
 * The Dockerfile runs this script, and packages/k8s-checks runs the same command.
 */
import { cpSync, existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { packageNameOf, resolvePackageDir, traceDependencies } from './trace-dependencies.mjs';

export const SERVICES = ['gateway', 'chat-worker', 'notifier'];

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

class BuildError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/**
 * Marks npm packages external. A bare import keeps its specifier when node,
 * starting from the bundle's directory, finds the same package the importer
 * would; otherwise (a version nested under a workspace package's own
 * node_modules) it is rewritten to a relative path to the file esbuild resolved.
 */
function externalPackages({ root, bundleDir, packageDirs }) {
  const builtins = new Set(builtinModules);
  return {
    name: 'parley-external-packages',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /.*/ }, async (args) => {
        const spec = args.path;
        if (args.pluginData === 'inner' || spec.startsWith('.') || path.isAbsolute(spec)) return undefined;
        if (spec.startsWith('node:') || builtins.has(spec.split('/')[0])) return { path: spec, external: true };
        if (spec.startsWith('@parley/testkit')) {
          throw new BuildError('PARLEY_IMAGE_TESTKIT', `${args.importer} imports ${spec}, which is for tests only`);
        }
        if (spec.startsWith('@parley/')) return undefined; // workspace TypeScript: bundled
        const resolved = await pluginBuild.resolve(spec, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: 'inner',
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        const name = packageNameOf(spec);
        const marker = `${path.sep}node_modules${path.sep}${name}${path.sep}`;
        const at = resolved.path.lastIndexOf(marker);
        if (at < 0) {
          throw new BuildError('PARLEY_IMAGE_UNRESOLVED', `${spec} (from ${args.importer}) did not resolve into node_modules: ${resolved.path}`);
        }
        const packageDir = resolved.path.slice(0, at + marker.length - 1);
        packageDirs.add(packageDir);
        const seenFromBundle = resolvePackageDir(bundleDir, name, root);
        if (seenFromBundle && realpathSync(seenFromBundle) === realpathSync(packageDir)) return { path: spec, external: true };
        const relative = path.relative(bundleDir, resolved.path).split(path.sep).join('/');
        return { path: relative.startsWith('.') ? relative : `./${relative}`, external: true };
      });
    },
  };
}

/** Builds <out> for one service; returns what it did, for logs and tests. */
export async function buildService({ service, outDir, root: givenRoot = repoRoot, webDir }) {
  const root = realpathSync(givenRoot); // package paths below are real paths
  if (!SERVICES.includes(service)) {
    throw new BuildError('PARLEY_IMAGE_UNKNOWN_SERVICE', `unknown service "${service}"; expected one of ${SERVICES.join(', ')}`);
  }
  const serviceDir = path.join(root, 'services', service);
  const entry = path.join(serviceDir, 'src', 'main.ts');
  if (!existsSync(entry)) throw new BuildError('PARLEY_IMAGE_NO_ENTRY', `${entry} does not exist`);

  const out = path.resolve(outDir);
  rmSync(out, { recursive: true, force: true });
  const bundleDir = path.join(serviceDir, 'dist'); // where the bundle sits, relative to the repository layout
  const outFile = path.join(out, path.relative(root, bundleDir), 'main.js');
  const packageDirs = new Set();

  await build({
    entryPoints: [entry],
    outfile: outFile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
    tsconfig: path.join(serviceDir, 'tsconfig.json'),
    plugins: [externalPackages({ root, bundleDir, packageDirs })],
  });
  writeFileSync(
    path.join(out, 'services', service, 'package.json'),
    `${JSON.stringify({ name: `@parley/${service}`, private: true, type: 'module' }, null, 2)}\n`,
  );

  const runtimePackages = traceDependencies([...packageDirs], root);
  for (const dir of runtimePackages) {
    const target = path.join(out, path.relative(root, dir));
    mkdirSync(path.dirname(target), { recursive: true });
    cpSync(dir, target, {
      recursive: true,
      dereference: false,
      // Nested node_modules are copied on their own when traced. Typings are never
      // loaded; dependencies' source maps would only be parsed at start-up
      // (--enable-source-maps) to point stack traces into their sources.
      filter: (source) => source === dir || (!source.startsWith(path.join(dir, 'node_modules')) && !/\.(d\.[cm]?ts|map)$/.test(source)),
    });
  }

  let web;
  if (service === 'gateway') {
    web = path.resolve(webDir ?? path.join(root, 'web', 'dist'));
    if (!existsSync(path.join(web, 'index.html'))) {
      throw new BuildError('PARLEY_IMAGE_NO_WEB', `${web}/index.html does not exist; run "npm run build -w web" first`);
    }
    cpSync(web, path.join(out, 'web', 'dist'), { recursive: true });
  }
  return { outFile, externals: [...packageDirs].map((dir) => path.relative(root, dir)).sort(), packages: runtimePackages.length, web };
}

async function main(argv) {
  const [service, outDir, ...rest] = argv;
  if (!service || !outDir) throw new BuildError('PARLEY_IMAGE_USAGE', 'usage: build-service.mjs <gateway|chat-worker|notifier> <out-dir> [--web <dir>]');
  const webAt = rest.indexOf('--web');
  const webDir = webAt >= 0 ? rest[webAt + 1] : undefined;
  const result = await buildService({ service, outDir, webDir });
  process.stdout.write(`${JSON.stringify({ service, ...result })}\n`);
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`${error.code ?? 'PARLEY_IMAGE_BUILD_FAILED'}: ${error.message}\n`);
    process.exitCode = 1;
  });
}
