import { closeOnce } from '@parley/emulator-lib';
import { AmqpServer } from './amqp/server.js';
import type { BrokerContext } from './broker/context.js';
import { Deadlines } from './broker/deadlines.js';
import { Namespace } from './broker/namespace.js';
import { loadBrokerConfig, parseBrokerConfig } from './config/config-file.js';
import type { BrokerConfig } from './config/model.js';
import { openJournal, type DiskJournal } from './journal/disk-journal.js';
import { memoryJournal } from './journal/records.js';
import { silentLogger, type Logger } from './logger.js';

export { EmulatorError, BrokerError } from './errors.js';
export type { BrokerConfig } from './config/model.js';
export { loadBrokerConfig, parseBrokerConfig } from './config/config-file.js';

export interface ServiceBusEmulatorOptions {
  /** A Config.json path, its parsed JSON, or an already validated config. */
  readonly config: string | { UserConfig: unknown } | BrokerConfig;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** Keep messages in an append-only journal here; memory only when absent. */
  readonly dataDir?: string;
  /** Largest accepted message in bytes (default 256 KB, as Service Bus Standard). */
  readonly maxMessageSize?: number;
  readonly logger?: Logger;
}

export interface ServiceBusEmulator {
  readonly port: number;
  readonly host: string;
  readonly connectionString: string;
  /** Stops listening, flushes the journal and releases everything. */
  close(): Promise<void>;
}

export const defaultMaxMessageSize = 256 * 1024;

export function connectionStringFor(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `Endpoint=sb://${h}:${port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;`;
}

function resolveConfig(config: ServiceBusEmulatorOptions['config']): BrokerConfig {
  if (typeof config === 'string') return loadBrokerConfig(config);
  if ('UserConfig' in config) return parseBrokerConfig(config);
  return config;
}

/** Starts a broker in this process: for tests, benchmarks and the bin. */
export async function startServiceBusEmulator(options: ServiceBusEmulatorOptions): Promise<ServiceBusEmulator> {
  const config = resolveConfig(options.config);
  const log = options.logger ?? silentLogger();
  const host = options.host ?? '127.0.0.1';
  const deadlines = new Deadlines((err) => log.error({ err }, 'timer callback failed'));
  let disk: DiskJournal | undefined;
  const ctx: BrokerContext = {
    get journal() {
      return disk ?? memoryJournal;
    },
    deadlines,
    locks: new Map(),
    log,
  };
  const ns = new Namespace(config, ctx);
  if (options.dataDir) {
    await openJournal(options.dataDir, ns, log, (journal) => {
      disk = journal;
    });
  }
  const server = new AmqpServer({ host, port: options.port ?? 0, maxMessageSize: options.maxMessageSize ?? defaultMaxMessageSize, ns, log });
  let port: number;
  try {
    port = await server.start();
  } catch (err) {
    deadlines.close();
    await disk?.close();
    throw err;
  }
  return {
    port,
    host,
    connectionString: connectionStringFor(host, port),
    close: closeOnce(async () => {
      await server.close();
      deadlines.close();
      ns.close();
      await disk?.close();
    }),
  };
}
