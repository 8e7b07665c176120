import { BusEntities } from '@parley/contracts';
import { createBusClient, runService, tracedPublisher, type Logger } from '@parley/service-kit';
import { loadConfig } from './config.js';
import { ServiceBusCommandPublisher } from './publisher/servicebus-publisher.js';
import { startRetention, type RetentionTask } from './retention/retention-task.js';
import { buildWorker } from './service.js';
import { TableChatStore } from './store/table-store.js';

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

// Start-up, exit codes and shutdown order: packages/service-kit/README.md.
await runService({
  name: 'chat-worker',
  loadConfig,
  opsListen: (config) => config.listen,
  async build({ config, logger, registry, closeOnExit }) {
    const store = new TableChatStore(config.tables);
    const busClient = createBusClient(config.bus);
    closeOnExit('bus client', () => busClient.close());
    // Each send a PRODUCER span whose traceparent the commands carry (no-op while tracing is off).
    // Bus batches are counted once sent; the metrics live with the worker, built just below.
    const commands = new ServiceBusCommandPublisher(busClient, config.partitions, {
      onBatch: (sent) => {
        if (sent.ok) worker.metrics.busSend();
      },
    });
    const publisher = tracedPublisher(commands, BusEntities.notificationsQueue);
    closeOnExit('publisher', () => publisher.close());
    const worker = buildWorker({ busClient, store, publisher, logger, registry }, config);
    let retention: RetentionTask | undefined;
    return {
      readiness: { consumer: () => worker.ready() },
      liveness: { consumer: () => worker.alive() },
      async start() {
        await initStore(store, logger);
        worker.start();
        if (config.retention) retention = startRetention(config.tables, config.hub, config.retention, logger);
        return { hub: config.hub, partitions: config.partitions, maxConcurrentSessions: config.maxConcurrentSessions, retentionDays: config.retention ? config.retention.retentionMs / 86_400_000 : null };
      },
      stop: [
        // A step only where a sweep can run, so the shutdown log names what this copy really stops.
        ...(config.retention ? [{ name: 'stop retention sweep (after its current transaction)', run: async () => retention?.stop() }] : []),
        { name: 'stop consumer (in-flight events finish)', run: () => worker.stop() },
      ],
    };
  },
});
