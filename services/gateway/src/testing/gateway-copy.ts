import type { ServiceBusClient } from '@azure/service-bus';
import type { FastifyInstance } from 'fastify';
import { createRegistry } from '@parley/service-kit';
import { buildApp } from '../app.js';
import type { EventPublisher } from '../chat-path/publisher.js';
import { createServiceBusPublisher, type ServiceBusPublisher } from '../chat-path/servicebus-publisher.js';
import { testBusClient } from './bus.js';
import { silentLogger, testConfig } from './support.js';

/** One gateway copy of a multi-copy spec: its own bus client, publisher, limiter, lanes and caches, as a separate pod has. */
export interface GatewayCopy {
  app: FastifyInstance;
  publisher: ServiceBusPublisher;
  client: ServiceBusClient;
  base: string;
}

/** Starts a copy on a free port with the test environment plus `env`; `wrap` may put a publisher in front of the real one. */
export async function startGatewayCopy(name: string, env: Record<string, string | undefined>, wrap?: (publisher: ServiceBusPublisher) => EventPublisher): Promise<GatewayCopy> {
  const config = testConfig(env);
  if (config.bus.kind !== 'connectionString') throw new Error('a gateway copy in a test reaches the local broker by SERVICEBUS_CONNECTION_STRING');
  const client = testBusClient(config.bus.connectionString);
  const publisher = createServiceBusPublisher({ client, partitions: config.partitions, sendTimeoutMs: config.busSendTimeoutMs, batchMode: config.busBatchMode, logger: silentLogger() });
  await publisher.open();
  const app = await buildApp({ publisher: wrap ? wrap(publisher) : publisher, logger: silentLogger(), registry: createRegistry(name) }, config);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return { app, publisher, client, base: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

export async function stopGatewayCopy(copy: GatewayCopy): Promise<void> {
  await copy.app.close();
  await copy.publisher.close().catch(() => undefined);
  await copy.client.close().catch(() => undefined);
}
