import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ChecksError } from './errors.js';
import { repoRoot, serviceDir, type ServiceName } from './layout.js';

/**
 * Facts read from the services' own sources (not imported: the checks are a
 * tool and depend on no service), so that the manifests are checked against
 * what the code really does rather than against a copy of it.
 */

const serviceKitSrc = path.join(repoRoot, 'packages', 'service-kit', 'src');

function sourceFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.includes('.spec.'))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => !file.split(path.sep).includes('testing'));
}

function read(file: string): string {
  if (!existsSync(file)) throw new ChecksError('K8S_CHECKS_SOURCE_UNREADABLE', `${path.relative(repoRoot, file)} does not exist`);
  return readFileSync(file, 'utf8');
}

export const configFile = (service: ServiceName): string => path.join(serviceDir(service), 'src', 'config.ts');
export const mainFile = (service: ServiceName): string => path.join(serviceDir(service), 'src', 'main.ts');

/** The service's own production sources (not its tests, not its testing/ helpers). */
export function serviceSources(service: ServiceName): string[] {
  return sourceFiles(path.join(serviceDir(service), 'src')).map(read);
}

/** True when the service serves service-kit's ops routes (/healthz, /readyz, /metrics). */
function usesOpsRoutes(service: ServiceName): boolean {
  return serviceSources(service).some((text) => /\b(opsRoutes|startOpsServer|runService)\b/.test(text));
}

/** HTTP paths the service registers (fastify app.get/post/... with a literal path), its ops routes included. */
export function routePaths(service: ServiceName): Set<string> {
  const texts = serviceSources(service);
  if (usesOpsRoutes(service)) texts.push(...sourceFiles(serviceKitSrc).map(read));
  const paths = new Set<string>();
  for (const text of texts) {
    for (const match of text.matchAll(/\.(?:get|post|put|delete|head|patch|all)\(\s*['"`](\/[^'"`]*)['"`]/g)) paths.add(match[1] as string);
  }
  return paths;
}

/** Every SCREAMING_CASE string literal in the service's and service-kit's sources: the variables they can read. */
export function envNamesRead(service: ServiceName): Set<string> {
  const texts = [...serviceSources(service), ...sourceFiles(serviceKitSrc).map(read)];
  const names = new Set<string>();
  for (const text of texts) for (const match of text.matchAll(/['"]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{3,})['"]/g)) names.add(match[1] as string);
  return names;
}

/** The port the service listens on when PORT is unset: readHttpListen(env, <port>) in its config. */
export function defaultPort(service: ServiceName): number {
  const text = read(configFile(service));
  const call = /readHttpListen\(\s*\w+\s*,\s*([A-Za-z_][\w]*|\d[\d_]*)\s*\)/.exec(text);
  if (!call) throw new ChecksError('K8S_CHECKS_SOURCE_UNREADABLE', `no readHttpListen(env, port) in services/${service}/src/config.ts`);
  const argument = call[1] as string;
  if (/^\d/.test(argument)) return Number(argument.replaceAll('_', ''));
  const constant = new RegExp(`const\\s+${argument}\\s*=\\s*(\\d[\\d_]*)`).exec(text);
  if (!constant) throw new ChecksError('K8S_CHECKS_SOURCE_UNREADABLE', `cannot find the value of ${argument} in services/${service}/src/config.ts`);
  return Number((constant[1] as string).replaceAll('_', ''));
}

/** The gateway's ops port when OPS_PORT is unset: `DEFAULT_OPS_PORT = <port>` in its config. */
export function defaultOpsPort(service: ServiceName): number {
  const constant = /const\s+DEFAULT_OPS_PORT\s*=\s*(\d[\d_]*)/.exec(read(configFile(service)));
  if (!constant) throw new ChecksError('K8S_CHECKS_SOURCE_UNREADABLE', `no DEFAULT_OPS_PORT in services/${service}/src/config.ts`);
  return Number((constant[1] as string).replaceAll('_', ''));
}

/** How long the service may take to drain after SIGTERM: installShutdown's timeout (its default unless main.ts passes one). */
export function drainTimeoutMs(service: ServiceName): number {
  const shutdown = read(path.join(serviceKitSrc, 'shutdown.ts'));
  const fallback = /timeoutMs\s*=\s*(\d[\d_]*)/.exec(shutdown);
  if (!fallback) throw new ChecksError('K8S_CHECKS_SOURCE_UNREADABLE', 'no default timeoutMs in packages/service-kit/src/shutdown.ts');
  const main = read(mainFile(service));
  // service-kit's runService installs the shutdown with its default timeout.
  if (/\brunService\(/.test(main)) return Number((fallback[1] as string).replaceAll('_', ''));
  const start = main.indexOf('installShutdown(');
  if (start < 0) throw new ChecksError('K8S_CHECKS_SOURCE_UNREADABLE', `services/${service}/src/main.ts does not call installShutdown`);
  // The call's arguments: logger, [steps], timeout?; find the closing bracket of the steps array.
  let depth = 0;
  let index = main.indexOf('[', start);
  for (; index < main.length; index++) {
    if (main[index] === '[') depth++;
    else if (main[index] === ']' && --depth === 0) break;
  }
  const rest = /^\]\s*(,\s*([^)\s]+)\s*)?,?\s*\)/.exec(main.slice(index));
  if (!rest) throw new ChecksError('K8S_CHECKS_SOURCE_UNREADABLE', `cannot read the installShutdown call in services/${service}/src/main.ts`);
  const explicit = rest[2];
  if (explicit === undefined) return Number((fallback[1] as string).replaceAll('_', ''));
  if (!/^\d[\d_]*$/.test(explicit)) {
    throw new ChecksError('K8S_CHECKS_SOURCE_UNREADABLE', `services/${service}/src/main.ts passes installShutdown a timeout that is not a literal (${explicit})`);
  }
  return Number(explicit.replaceAll('_', ''));
}
