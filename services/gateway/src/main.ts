import { BusEntities } from '@parley/contracts';
import { createBusClient, runService, tracedPublisher } from '@parley/service-kit';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';
import { createGatewayMetrics, observeBatches } from './metrics.js';
import { createServiceBusPublisher } from './chat-path/servicebus-publisher.js';

// Start-up, exit codes and shutdown order: packages/service-kit/README.md. /healthz, /readyz
// and /metrics are on the ops port (OPS_PORT) only, never on the public one.
await runService({
  name: 'gateway',
  loadConfig,
  opsListen: (config) => config.ops,
  async build({ config, logger, registry, closeOnExit }) {
    const metrics = createGatewayMetrics(registry);
    const client = createBusClient(config.bus);
    closeOnExit('bus client', () => client.close());
    // Each send a PRODUCER span whose traceparent the event carries (no-op while tracing is off).
    const publisher = tracedPublisher(createServiceBusPublisher({
      client,
      partitions: config.partitions,
      sendTimeoutMs: config.busSendTimeoutMs,
      batchMode: config.busBatchMode,
      logger,
      onBatch: observeBatches(metrics),
    }), BusEntities.chatEventsTopic);
    closeOnExit('bus sender', () => publisher.close());
    const app = await buildApp({ publisher, logger, registry, metrics }, config);
    return {
      readiness: { bus: () => publisher.ready() },
      async start() {
        await publisher.open();
        await app.listen({ host: config.host, port: config.port });
        const address = app.server.address();
        const port = typeof address === 'object' && address ? address.port : config.port;
        return { port, host: config.host, hub: config.hub, authMode: config.auth.mode, partitions: config.partitions };
      },
      // New requests get 503, in-flight ones finish, then the connection lanes drain.
      stop: [{ name: 'http', run: () => app.close() }],
    };
  },
});
