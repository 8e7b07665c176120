import { writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { freePort } from '@parley/testkit';
import { STARTERS, type CopyPorts, type StackContext, type StartedComponent, type TablesBackend } from './components.js';
import { GatewayProxy } from './gateway-proxy.js';
import { copyLabel, DEFAULT_SCALE, isScalable, MAX_COPIES, type Scale, type ScalableComponent } from './scale.js';
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
  /**
   * Copies of each service (default one of each). More than one gateway puts a
   * round-robin proxy on the gateway's port (gateway-proxy.ts), as a Kubernetes
   * Service spreads calls over pods; only such a stack can add gateways at run time.
   */
  scale?: Partial<Scale>;
}

/** One copy of a component, running or waiting to be started again. */
interface CopySlot {
  readonly copy: number;
  readonly ports: Omit<CopyPorts, 'label'>;
  started: StartedComponent | undefined;
  starting: Promise<void> | undefined;
  /** Scaled in: never started again. */
  removed: boolean;
}

/** What stack.json and `copies()` say about one copy. */
export interface CopyInfo {
  readonly name: string;
  readonly component: ComponentName;
  readonly copy: number;
  readonly pid: number | null;
  readonly port: number;
  readonly opsPort: number;
  readonly running: boolean;
}

export type CrashListener = (name: ComponentName, exit: ComponentExit, copy: number) => void;


/** Stop in this order: no new client traffic first, the stores last. */
const STOP_ORDER: ComponentName[] = ['signalr', 'gateway', 'chat-worker', 'notifier', 'servicebus', 'tables'];

export class Stack {
  private readonly slots = new Map<ComponentName, Map<number, CopySlot>>();
  private readonly crashListeners = new Set<CrashListener>();

  private traces: TraceReceiver | undefined;
  private idp: DevOidc | undefined;
  private proxy: GatewayProxy | undefined;
  private stopping = false;

  private constructor(private readonly context: StackContext & { connectionStrings: Record<string, string> }) {}

  static async start(options: StackOptions = {}): Promise<Stack> {
    const dataDir = options.dataDir ?? join(process.cwd(), '.parley');
    await mkdir(dataDir, { recursive: true });
    const scale: Scale = { ...DEFAULT_SCALE, ...options.scale };
    for (const [name, copies] of Object.entries(scale)) checkCopies(name, copies);
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
      if (scale.gateway > 1) stack.proxy = await GatewayProxy.listen(ports.gateway);
      for (const name of COMPONENT_NAMES) {
        const copies = isScalable(name) ? scale[name] : 1;
        const slots = new Map<number, CopySlot>();
        stack.slots.set(name, slots);
        for (let copy = 1; copy <= copies; copy++) slots.set(copy, await stack.newSlot(name, copy));
        await stack.start(name);
      }
      stack.writeStackFile();
    } catch (error) {
      await stack.stop();
      throw error;
    }
    return stack;
  }

  get ports(): Readonly<Record<ComponentName, number>> {
    return this.context.ports;
  }
  /** The gateway's public port: its only copy, or the proxy that spreads calls over its copies. */
  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.context.ports.gateway}`;
  }
  /**
   * The base URL of a service's ops server (/healthz, /readyz, /metrics): the gateway's own
   * ops port (not its public one), the workers' only port. Without `copy`, the lowest running copy.
   */
  opsUrl(component: 'gateway' | 'chat-worker' | 'notifier', copy?: number): string {
    const slots = [...this.slotsOf(component).values()];
    const slot = copy === undefined ? (slots.find((s) => s.started) ?? slots[0]) : this.slotsOf(component).get(copy);
    if (!slot) throw new Error(`${component} has no copy ${copy}`);
    return `http://127.0.0.1:${slot.ports.opsPort}`;
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

  /** Every copy of a component (a service may run several), in copy order. */
  copies(name: ComponentName): CopyInfo[] {
    const slots = this.slotsOf(name);
    return [...slots.values()].map((slot) => ({
      name: copyLabel(name, slot.copy, slots.size),
      component: name,
      copy: slot.copy,
      pid: slot.started?.process.child.pid ?? null,
      port: slot.ports.port,
      opsPort: slot.ports.opsPort,
      running: slot.started !== undefined,
    }));
  }

  /** Without `copy`: whether every copy runs. */
  isRunning(name: ComponentName, copy?: number): boolean {
    const slots = [...this.slotsOf(name).values()].filter((slot) => copy === undefined || slot.copy === copy);
    return slots.length > 0 && slots.every((slot) => slot.started !== undefined);
  }

  /** Whether a copy is still meant to run: a copy removed by `scale` is not brought back. */
  hasCopy(name: ComponentName, copy: number): boolean {
    return this.slotsOf(name).has(copy);
  }

  /** Starts the copy, or without `copy` every copy that is not running. */
  async start(name: ComponentName, copy?: number): Promise<void> {
    await Promise.all(this.targets(name, copy).map((slot) => this.startSlot(name, slot)));
    this.writeStackFile();
  }

  /** Exits nobody asked for: stopComponent, kill, scale and stop never report here. */
  onCrash(listener: CrashListener): void {
    this.crashListeners.add(listener);
  }

  /** SIGTERM and wait: the copy (without `copy`, every copy) drains as it would in production. */
  async stopComponent(name: ComponentName, copy?: number): Promise<void> {
    await Promise.all(this.targets(name, copy).map((slot) => this.end(name, slot, 'stop')));
    this.writeStackFile();
  }

  /** SIGKILL: a crash of the copy (without `copy`, of every copy). */
  async kill(name: ComponentName, copy?: number): Promise<void> {
    await Promise.all(this.targets(name, copy).map((slot) => this.end(name, slot, 'kill')));
    this.writeStackFile();
  }

  async restart(name: ComponentName, how: 'stop' | 'kill' = 'stop', copy?: number): Promise<void> {
    await (how === 'kill' ? this.kill(name, copy) : this.stopComponent(name, copy));
    await this.start(name, copy);
  }

  /**
   * Run `count` copies of a service, as an autoscaler would: new copies start
   * (and are ready) before this returns; removed ones are the newest, ended
   * gracefully (`stop`, SIGTERM) or as a lost node (`kill`, SIGKILL).
   */
  async scale(name: ScalableComponent, count: number, how: 'stop' | 'kill' = 'stop'): Promise<void> {
    checkCopies(name, count);
    if (name === 'gateway' && count > 1 && !this.proxy)
      throw new Error('this stack runs one gateway on the public port: start it with scale.gateway above 1 to add gateways later');
    const slots = this.slotsOf(name);
    const copies = [...slots.keys()].sort((a, b) => a - b);
    if (count > copies.length) {
      const added: CopySlot[] = [];
      for (let copy = (copies.at(-1) ?? 0) + 1; slots.size < count; copy++) {
        const slot = await this.newSlot(name, copy);
        slots.set(copy, slot);
        added.push(slot);
      }
      const started = await Promise.allSettled(added.map((slot) => this.startSlot(name, slot)));
      const failed = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
      if (failed) {
        // A scale-out that did not come up leaves the copies as they were, as a rollout that failed would.
        for (const slot of added) {
          slots.delete(slot.copy);
          slot.removed = true;
        }
        await Promise.all(added.map((slot) => this.end(name, slot, 'stop')));
        this.writeStackFile();
        throw failed.reason;
      }
      this.writeStackFile();
      return;
    }
    const removed = copies.slice(count).map((copy) => slots.get(copy)!);
    for (const slot of removed) {
      slots.delete(slot.copy);
      slot.removed = true;
    }
    await Promise.all(removed.map((slot) => this.end(name, slot, how)));
    this.writeStackFile();
  }

  /** Process id per component, its lowest running copy (for CPU and memory sampling); `copies` has them all. */
  pids(): Partial<Record<ComponentName, number>> {
    const pids: Partial<Record<ComponentName, number>> = {};
    for (const name of this.slots.keys()) {
      const pid = this.copies(name).find((copy) => copy.pid !== null)?.pid;
      if (pid) pids[name] = pid;
    }
    return pids;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const name of STOP_ORDER) {
      await this.stopComponent(name);
      if (name === 'gateway') {
        await this.proxy?.close();
        this.proxy = undefined;
      }
    }
    // Last: the services export their final spans while they stop.
    await this.traces?.close();
    this.traces = undefined;
    await this.idp?.close();
    this.idp = undefined;
  }

  private slotsOf(name: ComponentName): Map<number, CopySlot> {
    let slots = this.slots.get(name);
    if (!slots) this.slots.set(name, (slots = new Map<number, CopySlot>()));
    return slots;
  }

  private targets(name: ComponentName, copy: number | undefined): CopySlot[] {
    const slots = this.slotsOf(name);
    if (copy === undefined) return [...slots.values()];
    const slot = slots.get(copy);
    return slot ? [slot] : [];
  }

  /**
   * Copy 1 keeps the fixed ports of docs/architecture.md (the gateway's public
   * port goes to the proxy when there is one); further copies take free ports,
   * kept across their restarts.
   */
  private async newSlot(name: ComponentName, copy: number): Promise<CopySlot> {
    const first = copy === 1;
    let ports: { port: number; opsPort: number };
    if (name === 'gateway') {
      ports = { port: first && !this.proxy ? this.context.ports.gateway : await freePort(), opsPort: first ? this.context.opsPorts.gateway : await freePort() };
    } else {
      const port = first ? this.context.ports[name] : await freePort();
      ports = { port, opsPort: port };
    }
    return { copy, ports, started: undefined, starting: undefined, removed: false };
  }

  private startSlot(name: ComponentName, slot: CopySlot): Promise<void> {
    if (slot.started || slot.removed) return Promise.resolve();
    slot.starting ??= (async () => {
      const label = copyLabel(name, slot.copy, this.slotsOf(name).size);
      const started = await STARTERS[name](this.context, { ...slot.ports, label });
      if (slot.removed) {
        await started.process.stop();
        return;
      }
      slot.started = started;
      if (started.connectionString) this.context.connectionStrings[name] = started.connectionString;
      if (name === 'gateway') this.proxy?.add(proxyKey(slot), slot.ports.port);
      // A crash (not a stop or kill of ours) is forgotten so that start() can bring it back, and reported (supervisor.ts).
      started.process.child.once('exit', (code, signal) => {
        if (slot.started !== started) return;
        slot.started = undefined;
        this.proxy?.remove(proxyKey(slot));
        this.writeStackFile();
        for (const listener of this.crashListeners) listener(name, { code, signal }, slot.copy);
      });
    })().finally(() => {
      slot.starting = undefined;
    });
    return slot.starting;
  }

  private async end(name: ComponentName, slot: CopySlot, how: 'stop' | 'kill'): Promise<void> {
    await slot.starting?.catch(() => undefined);
    const started = slot.started;
    slot.started = undefined;
    // Out of the proxy first: a terminating pod leaves the Service's endpoints before it drains.
    if (name === 'gateway') this.proxy?.remove(proxyKey(slot));
    await (how === 'kill' ? started?.process.kill() : started?.process.stop());
  }

  /** `.parley/stack.json`: connection strings, ports, and every copy with its pid (rewritten as copies come and go). */
  private writeStackFile(): void {
    if (this.stopping) return;
    const copies = [...this.slots.keys()].flatMap((name) => this.copies(name).map(({ running: _running, ...copy }) => copy));
    const file = {
      ...this.context.connectionStrings,
      gatewayUrl: this.gatewayUrl,
      ports: this.context.ports,
      opsPorts: this.context.opsPorts,
      service: this.context.service,
      ...(this.traces ? { tracesUrl: this.traces.url } : {}),
      copies,
    };
    try {
      writeFileSync(join(this.context.dataDir, 'stack.json'), `${JSON.stringify(file, null, 2)}\n`);
    } catch {
      // The data directory of a test stack may be gone while its last copy exits.
    }
  }
}

const proxyKey = (slot: CopySlot) => `gateway-${slot.copy}`;

function checkCopies(name: string, copies: number): void {
  if (!Number.isInteger(copies) || copies < 1 || copies > MAX_COPIES) throw new Error(`${name}: copies must be a whole number from 1 to ${MAX_COPIES}, got ${copies}`);
}

export const startStack = (options?: StackOptions) => Stack.start(options);
