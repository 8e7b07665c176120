import { createBusClient, runService } from '@parley/service-kit';
import { loadConfig } from './config.js';
import { buildNotifier } from './service.js';

// Start-up, exit codes and shutdown order: packages/service-kit/README.md.
await runService({
  name: 'notifier',
  loadConfig,
  opsListen: (config) => config.listen,
  async build({ config, logger, registry, closeOnExit }) {
    const bus = createBusClient(config.bus);
    closeOnExit('bus client', () => bus.close());
    const notifier = buildNotifier({ bus, logger, registry }, config);
    return {
      readiness: { consumer: () => notifier.ready() },
      liveness: { consumer: () => notifier.alive() },
      async start() {
        notifier.start();
        return { websocketService: config.service.dialect, serviceUrl: config.service.baseUrl, maxConcurrentSessions: config.maxConcurrentSessions, httpConnections: config.httpConnections };
      },
      stop: [{ name: 'stop consuming, finish in-flight, close the HTTP pool', run: () => notifier.stop() }],
    };
  },
});
