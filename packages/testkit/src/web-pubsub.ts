import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { binPath, pinoReady, startProcess } from './process.js';
import { tempDir } from './temp-dir.js';
import type { LogOptions, StandIn } from './stand-ins.js';

/** One event handler in Microsoft's emulator appsettings.json shape. */
export interface WebPubSubEventHandler {
  /** `http://…/{hub}/{event}`; `{hub}` and `{event}` are filled per call. */
  UrlTemplate: string;
  /** Any of `connect`, `connected`, `disconnected`. */
  SystemEvents?: string[];
  /** `*`, a comma list or one user event name. */
  EventPattern?: string;
}

export interface WebPubSubOptions extends LogOptions {
  /** Hub name (or `*` for every hub) → its event handlers in order; written to a temporary appsettings.json. */
  hubs?: Record<string, WebPubSubEventHandler[]>;
  /** An existing appsettings.json (Microsoft's format) or Parley config file; `hubs` wins when both are given. */
  config?: string;
  /** Every hub's events to this URL template (`--event-handler`), without writing a file. */
  eventHandler?: string;
  accessKey?: string;
  port?: number;
}

export interface WebPubSubStandIn extends StandIn {
  /** `http://127.0.0.1:<port>`: the endpoint for `WebPubSubServiceClient` (with `allowInsecureConnection: true`). */
  readonly baseUrl: string;
  /** `Endpoint=http://127.0.0.1;Port=<port>;AccessKey=…;Version=1.0;` */
  readonly connectionString: string;
  readonly accessKey: string;
  /** `ws://127.0.0.1:<port>`: clients connect to `${wsUrl}/client/hubs/{hub}?access_token=…`. */
  readonly wsUrl: string;
}

/** Starts `webpubsub-emulator` (the local WebSocket service with Web PubSub defaults) on an ephemeral port. */
export async function startWebPubSub(options: WebPubSubOptions = {}): Promise<WebPubSubStandIn> {
  let config = options.config;
  if (options.hubs || options.accessKey) {
    const dir = tempDir('parley-webpubsub-');
    config = join(dir, 'appsettings.json');
    const hubs = Object.fromEntries(Object.entries(options.hubs ?? {}).map(([hub, handlers]) => [hub, { EventHandlers: handlers }]));
    writeFileSync(config, JSON.stringify({ WebPubSub: { ...(options.accessKey ? { AccessKey: options.accessKey } : {}), Hubs: hubs } }, null, 2));
  }
  const args = ['--port', String(options.port ?? 0)];
  if (config) args.push('--config', config);
  if (options.eventHandler) args.push('--event-handler', options.eventHandler);
  const proc = await startProcess({
    name: 'webpubsub',
    command: binPath('webpubsub-emulator'),
    args,
    ready: pinoReady,
    ...(options.env ? { env: options.env } : {}),
    ...(options.onLine ? { onLine: options.onLine } : {}),
    ...(options.detached ? { detached: true } : {}),
  });
  const connectionString = String(proc.readyInfo.webPubSubConnectionString);
  const port = Number(proc.readyInfo.port);
  return {
    ...proc,
    port,
    connectionString,
    accessKey: /AccessKey=([^;]+)/.exec(connectionString)?.[1] ?? '',
    baseUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
  };
}
