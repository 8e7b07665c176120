import { join } from 'node:path';
import { startAzurite, startProcess, startServiceBus, startSignalR, startTables, pinoReady, WORKSPACE_ROOT, type RunningProcess } from '@parley/testkit';
import type { ComponentName } from './ports.js';
import { emulatorEnv, serviceEnv, type ServiceDialect } from './dialect.js';

export interface StackContext {
  readonly ports: Record<ComponentName, number>;
  /** The gateway's ops server (/healthz, /readyz, /metrics), apart from its public port (ports.ts). */
  readonly opsPorts: { readonly gateway: number };
  /** Where data and stack.json live; durable components keep their data below it unless inMemory. */
  readonly dataDir: string;
  readonly inMemory: boolean;
  /** HS256 key for gateway-issued client tokens: one per stack, kept across restarts. */
  readonly tokenSigningKey: string;
  readonly connectionStrings: Partial<Record<'servicebus' | 'signalr' | 'tables', string>>;
  readonly env: Partial<Record<ComponentName, Record<string, string>>>;
  /** Each output line; `copy` names the copy (gateway-2) when a service runs several. */
  readonly onLine: (component: ComponentName, line: string, copy?: string) => void;
  readonly detached: boolean;
  /** The WebSocket service dialect the stack speaks (dialect.ts). */
  readonly service: ServiceDialect;
  /** What serves the Table API: emulators/tables (SQLite, default) or Azurite. */
  readonly tables: TablesBackend;
}

export type TablesBackend = 'emulator' | 'azurite';
export const isTablesBackend = (value: unknown): value is TablesBackend => value === 'emulator' || value === 'azurite';

export interface StartedComponent {
  readonly process: RunningProcess;
  readonly connectionString?: string;
}

/** One copy of a component: where it listens (the gateway's ops port apart from its port) and its name in logs. */
export interface CopyPorts {
  readonly port: number;
  readonly opsPort: number;
  readonly label: string;
}

type Starter = (context: StackContext, ports: CopyPorts) => Promise<StartedComponent>;


/** A service of ours: node with tsx's loader in-process, so a signal reaches the service itself. */
async function startService(name: ComponentName, entry: string, context: StackContext, ports: CopyPorts, env: Record<string, string>) {
  const process = await startProcess({
    name,
    command: globalThis.process.execPath,
    args: ['--import', 'tsx', join(WORKSPACE_ROOT, entry)],
    env: { HOST: '127.0.0.1', PORT: String(ports.port), LOG_LEVEL: 'info', ...env, ...context.env[name] },
    ready: pinoReady,
    // A copy started beside others on a busy 2-core machine compiles its TypeScript first: slow, not stuck.
    readyTimeoutMs: 120_000,
    onLine: (line) => context.onLine(name, line, ports.label),
    detached: context.detached,
  });
  return { process };
}

const need = (context: StackContext, key: 'servicebus' | 'signalr' | 'tables'): string => {
  const value = context.connectionStrings[key];
  if (!value) throw new Error(`${key} must be running before this component starts`);
  return value;
};

export const STARTERS: Record<ComponentName, Starter> = {
  async tables(context) {
    const common = { port: context.ports.tables, onLine: (line: string) => context.onLine('tables', line), detached: context.detached };
    const started =
      context.tables === 'azurite'
        ? await startAzurite({ ...common, ...(context.inMemory ? {} : { location: join(context.dataDir, 'azurite') }) })
        : await startTables({ ...common, ...(context.inMemory ? {} : { dataDir: join(context.dataDir, 'tables') }), env: { ...context.env.tables } });
    return { process: started, connectionString: started.connectionString };
  },
  async servicebus(context) {
    const started = await startServiceBus({
      port: context.ports.servicebus,
      ...(context.inMemory ? {} : { dataDir: join(context.dataDir, 'servicebus') }),
      onLine: (line) => context.onLine('servicebus', line),
      detached: context.detached,
      env: { ...context.env.servicebus },
    });
    return { process: started, connectionString: started.connectionString };
  },
  async signalr(context) {
    const started = await startSignalR({
      port: context.ports.signalr,
      onLine: (line) => context.onLine('signalr', line),
      detached: context.detached,
      env: { ...emulatorEnv(context.service, context.ports.gateway), ...context.env.signalr },
    });
    return { process: started, connectionString: started.connectionString };
  },
  gateway: (context, ports) =>
    startService('gateway', 'services/gateway/src/main.ts', context, ports, {
      SERVICEBUS_CONNECTION_STRING: need(context, 'servicebus'),
      TABLES_CONNECTION_STRING: need(context, 'tables'),
      ...serviceEnv(context.service, need(context, 'signalr')),
      AUTH_MODE: 'development',
      TOKEN_SIGNING_KEY: context.tokenSigningKey,
      OPS_PORT: String(ports.opsPort),
    }),
  'chat-worker': (context, ports) =>
    startService('chat-worker', 'services/chat-worker/src/main.ts', context, ports, {
      SERVICEBUS_CONNECTION_STRING: need(context, 'servicebus'),
      TABLES_CONNECTION_STRING: need(context, 'tables'),
    }),
  notifier: (context, ports) =>
    startService('notifier', 'services/notifier/src/main.ts', context, ports, {
      SERVICEBUS_CONNECTION_STRING: need(context, 'servicebus'),
      ...serviceEnv(context.service, need(context, 'signalr')),
    }),
};
