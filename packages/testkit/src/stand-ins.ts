import { join } from 'node:path';
import { freePort } from './free-port.js';
import { binPath, pinoReady, startProcess, WORKSPACE_ROOT, type RunningProcess } from './process.js';

export const PARLEY_SERVICEBUS_CONFIG = join(WORKSPACE_ROOT, 'emulators/servicebus/config/parley.json');
export const PARLEY_SIGNALR_CONFIG = join(WORKSPACE_ROOT, 'emulators/websocket-service/config/parley.json');

/** Azurite's well-known development account. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface StandIn extends RunningProcess {
  readonly port: number;
  readonly connectionString: string;
}

export interface LogOptions {
  onLine?: (line: string) => void;
  env?: Record<string, string | undefined>;
  detached?: boolean;
}

export async function startServiceBus(options: LogOptions & { config?: string; dataDir?: string; port?: number } = {}): Promise<StandIn> {
  const args = ['--config', options.config ?? PARLEY_SERVICEBUS_CONFIG, '--port', String(options.port ?? 0), '--host', '127.0.0.1'];
  if (options.dataDir) args.push('--data-dir', options.dataDir);
  const proc = await startProcess({ name: 'servicebus', command: binPath('servicebus-emulator'), args, ready: pinoReady, ...options });
  return { ...proc, port: Number(proc.readyInfo.port), connectionString: String(proc.readyInfo.connectionString) };
}

/**
 * The local WebSocket service (seed `X-ASRS-*` API and Web PubSub API on one
 * port). `upstreamUrl` points the seed upstream templates at a URL
 * (SIGNALR_UPSTREAM_URL); `eventHandlerUrl` does the same for the Web PubSub
 * event handlers of every hub (WEBPUBSUB_EVENT_HANDLER_URL, `{hub}` and
 * `{event}` allowed).
 */
export async function startSignalR(
  options: LogOptions & { config?: string; upstreamUrl?: string; eventHandlerUrl?: string; port?: number; args?: string[] } = {},
): Promise<StandIn & { accessKey: string; baseUrl: string; webPubSubConnectionString: string }> {
  const args = ['--config', options.config ?? PARLEY_SIGNALR_CONFIG, '--port', String(options.port ?? 0), ...(options.args ?? [])];
  const env = {
    ...options.env,
    ...(options.upstreamUrl ? { SIGNALR_UPSTREAM_URL: options.upstreamUrl } : {}),
    ...(options.eventHandlerUrl ? { WEBPUBSUB_EVENT_HANDLER_URL: options.eventHandlerUrl } : {}),
  };
  const proc = await startProcess({
    name: 'signalr',
    command: binPath('signalr-emulator'),
    args,
    ready: pinoReady,
    env,
    ...(options.onLine ? { onLine: options.onLine } : {}),
    ...(options.detached ? { detached: true } : {}),
  });
  const connectionString = String(proc.readyInfo.connectionString);
  const accessKey = /AccessKey=([^;]+)/.exec(connectionString)?.[1] ?? '';
  const port = Number(proc.readyInfo.port);
  const webPubSubConnectionString = String(proc.readyInfo.webPubSubConnectionString ?? connectionString);
  return { ...proc, port, connectionString, webPubSubConnectionString, accessKey, baseUrl: `http://127.0.0.1:${port}` };
}

/** Azurite's table service; in memory unless a location is given. */
export async function startAzurite(options: LogOptions & { location?: string; port?: number } = {}): Promise<StandIn> {
  const port = options.port ?? (await freePort());
  const args = ['--tableHost', '127.0.0.1', '--tablePort', String(port), '--disableTelemetry', '--skipApiVersionCheck'];
  args.push(...(options.location ? ['--location', options.location] : ['--inMemoryPersistence']));
  const proc = await startProcess({
    name: 'azurite',
    command: binPath('azurite-table'),
    args,
    ready: (line) => (line.includes('successfully') ? { line } : undefined),
    ...options,
  });
  return { ...proc, port, connectionString: azuriteConnectionString(port) };
}

export function azuriteConnectionString(port: number): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};TableEndpoint=http://127.0.0.1:${port}/${AZURITE_ACCOUNT};`;
}
