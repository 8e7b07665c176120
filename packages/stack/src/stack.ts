import { mkdir, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { STARTERS, type StackContext, type StartedComponent, type TablesBackend } from './components.js';
import { chooseOpsPorts, choosePorts, COMPONENT_NAMES, type ComponentName } from './ports.js';
import { DEFAULT_SERVICE_DIALECT, type ServiceDialect } from './dialect.js';
import type { ComponentExit } from './supervisor.js';
import { startTraceReceiver, withTracesEnv, type TraceReceiver } from './traces/index.js';
import type { DevOidc } from '@parley/dev-oidc';
import { startStackOidc, withOidcEnv, type StackAuth, type StackOidcOptions } from './oidc.js';

export interface StackOptions {
  /** Default `.parley` in the current directory. */
  dataDir?: string;
  /** Keep the tables and the broker in memory (nothing survives a stop). */
  inMemory?: boolean;
  /** What serves the Table API: `emulator` (emulators/tables on SQLite, default) or `azurite`. */
  tables?: TablesBackend;
  /** Ephemeral ports (tests); otherwise the fixed ports of docs/architecture.md, overridable by PARLEY_*_PORT. */
  ephemeralPorts?: boolean;
  /** Extra environment per component, e.g. a lower rate limit for a test. */
  env?: Partial<Record<ComponentName, Record<string, string>>>;
  onLine?: (component: ComponentName, line: string) => void;
  processEnv?: NodeJS.ProcessEnv;
  /** Children in their own process groups (the interactive `npm start`). */
  detached?: boolean;
  /** The WebSocket service dialect: `signalr` (seed, default) or `webpubsub` (Azure Web PubSub). See dialect.ts. */
  service?: ServiceDialect;
  /** Keep the services' traces: a local OTLP receiver (traces/receiver.ts) that `parley trace` reads. */
  traces?: boolean;
  /** Sign-in: `development` (any name, default) or `oidc` (the local OpenID provider of packages/dev-oidc). See oidc.ts. */
  auth?: StackAuth;
  /** The local provider's settings when auth is oidc. */
  oidc?: StackOidcOptions;
}

/** Stop in this order: no new client traffic first, the stores last. */
const STOP_ORDER: ComponentName[] = ['signalr', 'gateway', 'chat-worker', 'notifier', 'servicebus', 'tables'];

export class Stack {
  private readonly running = new Map<ComponentName, StartedComponent>();
  private readonly crashListeners = new Set<(name: ComponentName, exit: ComponentExit) => void>();

  private traces: TraceReceiver | undefined;
  private idp: DevOidc | undefined;

  private constructor(private readonly context: StackContext & { connectionStrings: Record<string, string> }) {}

  static async start(options: StackOptions = {}): Promise<Stack> {
    const dataDir = options.dataDir ?? join(process.cwd(), '.parley');
    await mkdir(dataDir, { recursive: true });
    const ports = await choosePorts(options.ephemeralPorts ?? false, options.processEnv ?? process.env);
    const opsPorts = await chooseOpsPorts(options.ephemeralPorts ?? false, options.processEnv ?? process.env);
    const traces = options.traces ? await startTraceReceiver() : undefined;
    const idp =
      options.auth === 'oidc'
        ? await startStackOidc({
            gatewayPort: ports.gateway,
            dataDir,
            inMemory: options.inMemory ?? false,
            ephemeralPorts: options.ephemeralPorts ?? false,
            processEnv: options.processEnv ?? process.env,
            ...(options.oidc ? { settings: options.oidc } : {}),
          })
        : undefined;
    const stack = new Stack({
      ports,
      opsPorts,
      dataDir,
      inMemory: options.inMemory ?? false,
      tokenSigningKey: randomBytes(32).toString('base64url'),
      connectionStrings: {},
      env: withOidcEnv(traces ? withTracesEnv(options.env ?? {}, traces.url) : (options.env ?? {}), idp),
      onLine: options.onLine ?? (() => undefined),
      detached: options.detached ?? false,
      service: options.service ?? DEFAULT_SERVICE_DIALECT,
      tables: options.tables ?? 'emulator',
    });
    stack.traces = traces;
    stack.idp = idp;
    try {
      for (const name of COMPONENT_NAMES) await stack.start(name);
      await stack.writeStackFile();
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  get ports(): Readonly<Record<ComponentName, number>> {
    return this.context.ports;
  }
  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.context.ports.gateway}`;
  }
  /**
   * The base URL of a service's ops server (/healthz, /readyz, /metrics): the gateway's own
   * ops port (not its public one), the workers' only port.
   */
  opsUrl(component: 'gateway' | 'chat-worker' | 'notifier'): string {
    const port = component === 'gateway' ? this.context.opsPorts.gateway : this.context.ports[component];
    return `http://127.0.0.1:${port}`;
  }
  get signalrUrl(): string {
    return `http://127.0.0.1:${this.context.ports.signalr}`;
  }
  /** `servicebus`, `signalr` and `tables` connection strings, for tools and tests. */
  get connectionStrings(): Readonly<Record<string, string>> {
    return this.context.connectionStrings;
  }
  get dataDir(): string {
    return this.context.dataDir;
  }
  /** The local trace receiver (`--traces`), read by `parley trace`. */
  get tracesUrl(): string | undefined {
    return this.traces?.url;
  }
  /** The local OpenID provider (`auth: 'oidc'`): its issuer, users, and `mint` for tests. */
  get identityProvider(): DevOidc | undefined {
    return this.idp;
  }
  get service(): ServiceDialect {
    return this.context.service;
  }
  /** What serves the Table API (component `tables`): `emulator` or `azurite`. */
  get tablesBackend(): TablesBackend {
    return this.context.tables;
  }

  isRunning(name: ComponentName): boolean {
    return this.running.has(name);
  }

  async start(name: ComponentName): Promise<void> {
    if (this.running.has(name)) return;
    const started = await STARTERS[name](this.context);
    this.running.set(name, started);
    if (started.connectionString) this.context.connectionStrings[name] = started.connectionString;
    // A crash (not a stop or kill of ours) is forgotten so that start() can bring it back, and reported (supervisor.ts).
    started.process.child.once('exit', (code, signal) => {
      if (this.running.get(name) !== started) return;
      this.running.delete(name);
      for (const listener of this.crashListeners) listener(name, { code, signal });
    });
  }

  /** Exits nobody asked for: stopComponent, kill and stop never report here. */
  onCrash(listener: (name: ComponentName, exit: ComponentExit) => void): void {
    this.crashListeners.add(listener);
  }

  /** SIGTERM and wait: the component drains as it would in production. */
  async stopComponent(name: ComponentName): Promise<void> {
    const started = this.running.get(name);
    this.running.delete(name);
    await started?.process.stop();
  }

  /** SIGKILL: a crash. */
  async kill(name: ComponentName): Promise<void> {
    const started = this.running.get(name);
    this.running.delete(name);
    await started?.process.kill();
  }

  async restart(name: ComponentName, how: 'stop' | 'kill' = 'stop'): Promise<void> {
    await (how === 'kill' ? this.kill(name) : this.stopComponent(name));
    await this.start(name);
  }

  /** Process id per running component (for CPU and memory sampling). */
  pids(): Partial<Record<ComponentName, number>> {
    const pids: Partial<Record<ComponentName, number>> = {};
    for (const [name, started] of this.running) if (started.process.child.pid) pids[name] = started.process.child.pid;
    return pids;
  }

  async stop(): Promise<void> {
    for (const name of STOP_ORDER) await this.stopComponent(name);
    // Last: the services export their final spans while they stop.
    await this.traces?.close();
    this.traces = undefined;
    await this.idp?.close();
    this.idp = undefined;
  }

  private async writeStackFile(): Promise<void> {
    const file = { ...this.context.connectionStrings, gatewayUrl: this.gatewayUrl, ports: this.context.ports, opsPorts: this.context.opsPorts, service: this.context.service, ...(this.traces ? { tracesUrl: this.traces.url } : {}) };
    await writeFile(join(this.context.dataDir, 'stack.json'), `${JSON.stringify(file, null, 2)}\n`);
  }
}

export const startStack = (options?: StackOptions) => Stack.start(options);
