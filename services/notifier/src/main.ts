import { ConfigError, createBusClient, createLogger, createRegistry, installShutdown, startOpsServer } from '@parley/service-kit';
import { loadConfig, type NotifierConfig } from './config.js';
import { buildNotifier } from './service.js';

const SERVICE = 'notifier';

async function main(): Promise<void> {
  let config: NotifierConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    createLogger(SERVICE).fatal({ code: error.code, variable: error.variable }, error.message);
    process.exitCode = 2;
    return;
  }
  const logger = createLogger(SERVICE, config.logLevel);
  const registry = createRegistry(SERVICE);
  const bus = createBusClient(config.bus);
  const notifier = buildNotifier({ bus, logger, registry }, config);
  notifier.start();
  const ops = await startOpsServer({ ...config.listen, logger, registry, readiness: { consumer: () => notifier.ready() } });

  installShutdown(logger, [
    { name: 'stop consuming, finish in-flight, close the HTTP pool', run: () => notifier.stop() },
    { name: 'close the ops server', run: () => ops.close() },
    { name: 'close the bus client', run: () => bus.close() },
  ]);
  logger.info(
    { port: ops.port, signalr: config.service.baseUrl, maxConcurrentSessions: config.maxConcurrentSessions, httpConnections: config.httpConnections },
    'ready',
  );
}

await main();
