import { createBusClient, createLogger, createRegistry, installShutdown, startOpsServer, type Logger } from '@parley/service-kit';
import { loadConfig } from './config.js';
import { ServiceBusCommandPublisher } from './publisher/servicebus-publisher.js';
import { buildWorker } from './service.js';
import { TableChatStore } from './store/table-store.js';

const SERVICE = 'chat-worker';

/** Tables may come up a little after us (local stack, a fresh pod): retry creating them for a while. */
async function initStore(store: TableChatStore, logger: Logger, attempts = 30): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.init();
    } catch (error) {
      if (attempt >= attempts) throw error;
      logger.warn({ err: error, attempt }, 'tables not reachable yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    createLogger(SERVICE).fatal({ err: error }, 'invalid configuration');
    process.exitCode = 1;
    return;
  }
  const logger = createLogger(SERVICE, config.logLevel);
  const registry = createRegistry(SERVICE);
  const store = new TableChatStore(config.tables);
  await initStore(store, logger);

  const busClient = createBusClient(config.bus);
  const publisher = new ServiceBusCommandPublisher(busClient, config.partitions);
  const worker = buildWorker({ busClient, store, publisher, logger, registry }, config);
  const ops = await startOpsServer({
    registry,
    readiness: { consumer: () => worker.healthy() },
    host: config.listen.host,
    port: config.listen.port,
    logger,
  });
  worker.start();
  installShutdown(logger, [
    { name: 'stop consumer (in-flight events finish)', run: () => worker.stop() },
    { name: 'close ops server', run: () => ops.close() },
    { name: 'close publisher', run: () => publisher.close() },
    { name: 'close bus client', run: () => busClient.close() },
  ]);
  logger.info({ port: ops.port, hub: config.hub, partitions: config.partitions, maxConcurrentSessions: config.maxConcurrentSessions }, 'ready');
}

try {
  await main();
} catch (error) {
  createLogger(SERVICE).fatal({ err: error }, 'failed to start');
  process.exitCode = 1;
}
