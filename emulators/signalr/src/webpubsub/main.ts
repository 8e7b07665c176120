import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { loadConfigFile, overridesFromEnv } from '../config.js';
import { ConfigError, ErrorCodes } from '../errors.js';
import { startSignalREmulator } from '../index.js';
import { checkLogLevel, checkPort, stopOnSignals } from '../cli-shared.js';

/**
 * `webpubsub-emulator`: the same service as `signalr-emulator` (both APIs on
 * one port), started with Web PubSub defaults: port 8080 and a Microsoft
 * emulator style appsettings.json.
 */
const USAGE = 'usage: webpubsub-emulator [--port 8080] [--host 127.0.0.1] [--config appsettings.json] [--event-handler URL_TEMPLATE] [--log-level info]';
const DEFAULT_CONFIG = fileURLToPath(new URL('../../config/webpubsub.json', import.meta.url));

interface Cli {
  readonly port: number;
  readonly host: string;
  readonly configPath: string;
  readonly eventHandler: string | undefined;
  readonly logLevel: string;
}

function parseCli(argv: string[]): Cli | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '8080' },
      host: { type: 'string', default: '127.0.0.1' },
      config: { type: 'string' },
      'event-handler': { type: 'string' },
      'log-level': { type: 'string', default: process.env.LOG_LEVEL ?? 'info' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const port = checkPort(values.port);
  checkLogLevel(values['log-level']);
  return { port, host: values.host, configPath: values.config ?? DEFAULT_CONFIG, eventHandler: values['event-handler'], logLevel: values['log-level'] };
}

async function main(): Promise<void> {
  const base = { service: 'webpubsub-emulator' };
  const bootLogger = pino({ base });
  let cli: Cli | undefined;
  let config;
  try {
    cli = parseCli(process.argv.slice(2));
    if (!cli) {
      process.stdout.write(`${USAGE}\n`);
      return;
    }
    const env = overridesFromEnv(process.env);
    // The flag wins over WEBPUBSUB_EVENT_HANDLER_URL, and errors name whichever was used.
    const overrides = cli.eventHandler === undefined ? env : { ...env, eventHandlerUrl: cli.eventHandler, eventHandlerField: '--event-handler' };
    config = loadConfigFile(cli.configPath, overrides);
  } catch (error) {
    const code = error instanceof ConfigError ? error.code : ErrorCodes.configInvalid;
    bootLogger.fatal({ code }, `${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const logger = pino({ level: cli.logLevel, base });
  const emulator = await startSignalREmulator({ port: cli.port, host: cli.host, config, logger });
  const hubs = Object.fromEntries([...config.webPubSub.hubs].map(([hub, handlers]) => [hub, handlers.map((h) => h.urlTemplate)]));
  // The ready line is a contract (harnesses wait for it), so it is written whatever the log level.
  logger.child({}, { level: 'info' }).info(
    {
      port: emulator.port,
      configPath: cli.configPath,
      eventHandlers: hubs,
      connectionString: emulator.connectionString,
      webPubSubConnectionString: emulator.webPubSubConnectionString,
    },
    'ready',
  );
  process.stderr.write(`Web PubSub emulator on ${emulator.url}\nConnection string: ${emulator.webPubSubConnectionString}\n`);

  stopOnSignals(emulator, logger);
}

await main();
