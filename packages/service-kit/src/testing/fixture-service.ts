import { BusEntities, parseNotifierEnvelope } from '@parley/contracts';
import { createBusClient } from '../bus-client.js';
import { envReader, readBusConnection, readHttpListen, readLogLevel } from '../config.js';
import { startSessionConsumer, type SessionConsumer } from '../consumer.js';
import { runService } from '../run-service.js';

/**
 * A minimal consumer service on runService, for run-service.int.spec.ts: consumes
 * QUEUE (the notifications queue by default), and can be told to fail on purpose.
 */
await runService({
  name: 'fixture',
  loadConfig(environment) {
    const env = envReader(environment);
    return {
      bus: readBusConnection(env),
      listen: readHttpListen(env, 0),
      logLevel: readLogLevel(env),
      queue: env.string('QUEUE', BusEntities.notificationsQueue),
      fault: env.oneOf('FAULT', ['none', 'rejection', 'exception'], 'none'),
      startDelayMs: env.int('START_DELAY_MS', 0, { min: 0, max: 60_000 }),
    };
  },
  opsListen: (config) => config.listen,
  async build({ config, logger, registry, closeOnExit }) {
    const client = createBusClient(config.bus);
    closeOnExit('bus client', () => client.close());
    let consumer: SessionConsumer | undefined;
    return {
      readiness: { consumer: () => consumer?.healthy() ?? false },
      liveness: { consumer: () => consumer?.alive() ?? true },
      async start() {
        await new Promise((resolve) => setTimeout(resolve, config.startDelayMs));
        consumer = startSessionConsumer({
          client,
          entity: { queue: config.queue },
          maxConcurrentSessions: 2,
          parse: parseNotifierEnvelope,
          handler: { handle: async () => undefined },
          logger,
          registry,
        });
        if (config.fault === 'rejection') setTimeout(() => void Promise.reject(new Error('fixture rejection')), 200);
        if (config.fault === 'exception') {
          setTimeout(() => {
            throw new Error('fixture exception');
          }, 200);
        }
        return { queue: config.queue };
      },
      stop: [{ name: 'consumer', run: async () => consumer?.stop() }],
    };
  },
});
