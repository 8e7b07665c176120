import { ConfigError, createBusClient, createLogger, createRegistry, installShutdown } from '@parley/service-kit';
import { buildApp } from './app.js';
import { loadConfig, type GatewayConfig } from './config.js';
import { createGatewayMetrics, observeBatches } from './metrics.js';
import { createServiceBusPublisher } from './servicebus-publisher.js';

async function main(config: GatewayConfig): Promise<void> {
  const logger = createLogger('gateway', config.logLevel);
  const registry = createRegistry('gateway');
  const metrics = createGatewayMetrics(registry);
  const client = createBusClient(config.bus);
  const publisher = createServiceBusPublisher({
    client,
    partitions: config.partitions,
    sendTimeoutMs: config.busSendTimeoutMs,
    batchMode: config.busBatchMode,
    logger,
    onBatch: observeBatches(metrics),
  });
  const app = await buildApp({ publisher, logger, registry, metrics }, config);

  installShutdown(logger, [
    // New requests get 503, in-flight ones finish, then the connection lanes drain.
    { name: 'http', run: () => app.close() },
    { name: 'bus sender', run: () => publisher.close() },
    { name: 'bus client', run: () => client.close() },
  ]);

  try {
    await publisher.open();
    await app.listen({ host: config.host, port: config.port });
  } catch (error) {
    logger.fatal({ err: error }, 'start failed');
    process.exitCode = 1;
    await app.close();
    await publisher.close().catch(() => undefined);
    await client.close();
    return;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // The ready line is a contract with the orchestrator and the tests: logged whatever LOG_LEVEL says.
  logger.child({}, { level: 'info' }).info({ port, host: config.host, hub: config.hub, authMode: config.auth.mode, partitions: config.partitions }, 'ready');
}

let config: GatewayConfig | undefined;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  createLogger('gateway').fatal({ code: error.code, variable: error.variable }, error.message);
  process.exitCode = 1;
}
if (config) await main(config);
