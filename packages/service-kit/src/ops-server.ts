import fastify, { LogController, type FastifyBaseLogger } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from './logger.js';

export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface OpsOptions {
  registry: Registry;
  /** Named checks; /readyz is 200 only when all pass (take traffic or not). */
  readiness: Record<string, ReadinessCheck>;
  /** Named checks; /healthz is 200 only when all pass (a failure makes Kubernetes restart the pod). */
  liveness?: Record<string, ReadinessCheck>;
}

/**
 * The event-loop lag histogram's sampling timer, in ms. prom-client's default of 10 ms fires
 * 100 times a second, which makes the histogram most of an idle process's CPU; the cost falls
 * with the rate. At 200 ms every stall of 200 ms or more is still seen, and shorter ones in
 * proportion, which is what the dashboard's p99 lag is for.
 */
export const EVENT_LOOP_MONITORING_MS = 200;

/** A metrics registry with the process's default metrics, labelled by service. */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_MS });
  return registry;
}

async function runChecks(checks: Record<string, ReadinessCheck>): Promise<{ pass: boolean; results: Record<string, boolean> }> {
  const results: Record<string, boolean> = {};
  for (const [name, check] of Object.entries(checks)) {
    try {
      results[name] = await check();
    } catch {
      results[name] = false;
    }
  }
  return { pass: Object.values(results).every(Boolean), results };
}

/** /healthz (alive: every liveness check passes), /readyz (every readiness check passes), /metrics (Prometheus text). */
export const opsRoutes = fp<OpsOptions>(async (app, options) => {
  app.get('/healthz', async (_request, reply) => {
    const { pass, results } = await runChecks(options.liveness ?? {});
    if (pass) return { status: 'ok' };
    return reply.code(503).send({ status: 'failing', checks: results });
  });
  app.get('/readyz', async (_request, reply) => {
    const { pass, results } = await runChecks(options.readiness);
    return reply.code(pass ? 200 : 503).send({ status: pass ? 'ready' : 'not ready', checks: results });
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', options.registry.contentType);
    return options.registry.metrics();
  });
}, { name: 'parley-ops-routes' });

/** The standalone ops server of every service, on its own port (the gateway's public port has no ops routes). */
export async function startOpsServer(
  options: OpsOptions & { host: string; port: number; logger: Logger },
): Promise<{ port: number; close: () => Promise<void> }> {
  // Request logging off through logController: the top-level disableRequestLogging option is
  // deprecated (FSTDEP023, printed at every start) and goes away in fastify 6.
  const app = fastify({
    loggerInstance: options.logger.child({ component: 'ops' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });
  await app.register(opsRoutes, options);
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  return { port: typeof address === 'object' && address ? address.port : options.port, close: () => app.close() };
}
