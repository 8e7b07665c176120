import fastify from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from './logger.js';

export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface OpsOptions {
  registry: Registry;
  /** Named checks; /readyz is 200 only when all pass. */
  readiness: Record<string, ReadinessCheck>;
}

/** A metrics registry with the process's default metrics, labelled by service. */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** /healthz (alive), /readyz (every check passes), /metrics (Prometheus text). */
export const opsRoutes = fp<OpsOptions>(async (app, options) => {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const results: Record<string, boolean> = {};
    for (const [name, check] of Object.entries(options.readiness)) {
      try {
        results[name] = await check();
      } catch {
        results[name] = false;
      }
    }
    const ready = Object.values(results).every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: results });
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', options.registry.contentType);
    return options.registry.metrics();
  });
}, { name: 'parley-ops-routes' });

/** A standalone ops server for the workers (they have no other HTTP surface). */
export async function startOpsServer(
  options: OpsOptions & { host: string; port: number; logger: Logger },
): Promise<{ port: number; close: () => Promise<void> }> {
  const app = fastify({ loggerInstance: options.logger.child({ component: 'ops' }), disableRequestLogging: true });
  await app.register(opsRoutes, options);
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  return { port: typeof address === 'object' && address ? address.port : options.port, close: () => app.close() };
}
