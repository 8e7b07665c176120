import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { DEFAULT_CONFIG_PATH, loadConfigFile, overridesFromEnv } from './config.js';
import { ConfigError } from './errors.js';
import { startSignalREmulator } from './index.js';
import { checkLogLevel, checkPort, readStartup, runSignalRBin, sharedOptions } from './cli-shared.js';

const USAGE = 'usage: signalr-emulator [--port 8888] [--host 127.0.0.1] [--config FILE [--persist-settings]] [--log-level info]';

interface Cli {
  readonly port: number;
  readonly host: string;
  readonly configPath: string | undefined;
  readonly persistSettings: boolean;
  readonly logLevel: string;
}

/** Undefined when only the usage was asked for. */
function parseCli(argv: string[]): Cli | undefined {
  const { values } = parseArgs({
    args: argv,
    options: { ...sharedOptions('8888'), 'persist-settings': { type: 'boolean', default: false } },
    strict: true,
  });
  if (values.help) return undefined;
  const port = checkPort(values.port);
  checkLogLevel(values['log-level']);
  const persistSettings = values['persist-settings'];
  // The shipped default config lives in the repository; changes are only saved into a file the user named.
  if (persistSettings && !values.config) throw new ConfigError('--persist-settings', 'needs --config FILE to save the settings into');
  return { port, host: values.host, configPath: values.config, persistSettings, logLevel: values['log-level'] };
}

async function main(): Promise<void> {
  const base = { service: 'signalr-emulator' };
  const startup = readStartup(USAGE, pino({ base }), () => {
    const cli = parseCli(process.argv.slice(2));
    if (!cli) return undefined;
    const configPath = cli.configPath ?? DEFAULT_CONFIG_PATH;
    return { cli, configPath, config: loadConfigFile(configPath, overridesFromEnv(process.env)) };
  });
  if (!startup) return;
  const { cli, configPath, config } = startup;
  const { port, host, persistSettings } = cli;
  const logger = pino({ level: cli.logLevel, base });
  await runSignalRBin(logger, async () => {
    const emulator = await startSignalREmulator({ port, host, config, logger, ...(persistSettings ? { persistSettingsTo: configPath } : {}) });
    const ready = {
      port: emulator.port,
      configPath,
      persistSettings,
      templates: config.upstream.templates.length,
      webPubSubHubs: [...config.webPubSub.hubs.keys()],
      connectionString: emulator.connectionString,
      webPubSubConnectionString: emulator.webPubSubConnectionString,
    };
    return { emulator, ready };
  });
}

await main();
