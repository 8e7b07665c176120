import type { Registry } from 'prom-client';
import { ConfigError, ExitCodes, KitErrorCodes } from './errors.js';
import { createLogger, type Logger } from './logger.js';
import { createRegistry, startOpsServer, type ReadinessCheck } from './ops-server.js';
import { installShutdown, type ShutdownStep } from './shutdown.js';
import { startTracing, type Tracing } from './tracing.js';

type Env = Record<string, string | undefined>;

/**
 * What a consumer service (chat-worker, notifier) offers to its start-up: build, then
 * start; stop lets in-flight work finish. Readiness and liveness feed the ops server.
 */
export interface ConsumerService {
  /** Starts taking messages; called once the ops server listens. */
  start(): void;
  /** Stops taking messages and lets in-flight ones finish; the caller closes what it created. */
  stop(): Promise<void>;
  /** Readiness: started, not stopping, and the consumer reaches the broker. */
  ready(): boolean;
  /** Liveness: false once the consumer stopped on an error no retry fixes (restart the pod). */
  alive(): boolean;
  heldSessions(): string[];
}

export interface BuildContext<C> {
  readonly config: C;
  readonly logger: Logger;
  readonly registry: Registry;
  /**
   * Registers how to close something the service created (a bus client, a sender), in
   * creation order. Closed in reverse after the ops server, also when start-up fails halfway.
   */
  closeOnExit(name: string, close: () => Promise<unknown>): void;
}

export interface BuiltService {
  readonly readiness: Record<string, ReadinessCheck>;
  readonly liveness?: Record<string, ReadinessCheck>;
  /**
   * Starts taking work (consuming, or listening on the public port), after the ops server
   * listens. Returns fields for the ready line (e.g. the public port).
   */
  start(ops: { port: number }): Promise<Record<string, unknown>>;
  /** Stop intake and let in-flight work finish, in order; runs before the ops server closes. */
  readonly stop: readonly ShutdownStep[];
}

export interface ServiceDefinition<C extends { readonly logLevel: string }> {
  readonly name: string;
  /** Reads and validates the environment (throws ConfigError naming the variable). */
  loadConfig(env: Env): C;
  /** Where the ops server (/healthz, /readyz, /metrics) listens. */
  opsListen(config: C): { host: string; port: number };
  build(context: BuildContext<C>): Promise<BuiltService>;
}

/**
 * The one start-up of every Parley service (packages/service-kit/README.md):
 * 1. configuration, read once; a ConfigError exits 2 with the variable named; tracing starts
 *    when OTEL_EXPORTER_OTLP_ENDPOINT is set (tracing.ts);
 * 2. logger and metrics registry;
 * 3. the service is built (clients created, nothing consuming yet);
 * 4. the ops server listens, so /healthz answers while the service starts;
 * 5. the service starts and one "ready" line is logged (a contract with the
 *    orchestrator and the tests, logged whatever LOG_LEVEL says);
 * 6. SIGTERM/SIGINT, an uncaught exception or an unhandled rejection run the
 *    ordered shutdown: stop intake, finish in-flight, ops server, clients.
 * A start failure (build or start throws) is logged fatal, runs the same
 * shutdown for what was created, and exits 1.
 */
export async function runService<C extends { readonly logLevel: string }>(definition: ServiceDefinition<C>, env: Env = process.env): Promise<void> {
  let config: C;
  let tracing: Tracing;
  try {
    config = definition.loadConfig(env);
    tracing = startTracing(definition.name, env);
  } catch (error) {
    const logger = createLogger(definition.name);
    if (error instanceof ConfigError) logger.fatal({ code: error.code, variable: error.variable }, error.message);
    else logger.fatal({ err: error, code: KitErrorCodes.configInvalid }, 'reading the configuration failed');
    process.exitCode = ExitCodes.configInvalid;
    return;
  }
  const logger = createLogger(definition.name, config.logLevel);
  const registry = createRegistry(definition.name);
  const owned: ShutdownStep[] = [];
  const intake: ShutdownStep[] = [];
  let opsClose: (() => Promise<void>) | undefined;
  // Installed before anything can fail, so every path below leaves through the same ordered steps.
  const shutdown = installShutdown(logger, () => [
    ...intake,
    ...(opsClose ? [{ name: 'ops server', run: opsClose }] : []),
    ...[...owned].reverse(),
    // Last, so the spans of the drain itself are exported.
    ...(tracing.enabled ? [{ name: 'traces', run: () => tracing.shutdown() }] : []),
  ]);
  // Logged fatal, then the ordered shutdown, then exit 1: never left running half-broken.
  const fail = (code: string, message: string) => (error: unknown) => {
    logger.fatal({ err: error, code }, message);
    process.exitCode = ExitCodes.failure;
    void shutdown().finally(() => process.exit(ExitCodes.failure));
  };
  process.on('uncaughtException', fail(KitErrorCodes.processFault, 'uncaught exception; shutting down'));
  process.on('unhandledRejection', fail(KitErrorCodes.processFault, 'unhandled rejection; shutting down'));

  try {
    const built = await definition.build({ config, logger, registry, closeOnExit: (name, close) => owned.push({ name, run: close }) });
    intake.push(...built.stop);
    const ops = await startOpsServer({ ...definition.opsListen(config), logger, registry, readiness: built.readiness, liveness: built.liveness ?? {} });
    opsClose = ops.close;
    const fields = await built.start({ port: ops.port });
    logger.child({}, { level: 'info' }).info({ port: ops.port, ...fields, opsPort: ops.port }, 'ready');
  } catch (error) {
    fail(KitErrorCodes.startFailed, 'start failed')(error);
  }
}
