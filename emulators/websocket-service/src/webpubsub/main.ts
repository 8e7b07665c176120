import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { httpsBanner, loadTls, localTls, type TlsInvalid, type TlsMaterial } from '@parley/emulator-lib';
import { pino } from 'pino';
import { loadConfigFile, overridesFromEnv } from '../config.js';
import { ConfigError } from '../errors.js';
import { startSignalREmulator } from '../index.js';
import { checkLogLevel, checkPort, readStartup, runSignalRBin, sharedOptions } from '../cli-shared.js';

/**
 * `webpubsub-emulator`: the same service as `signalr-emulator` (both APIs on
 * one port), started with Web PubSub defaults: port 8080 and a Microsoft
 * emulator style appsettings.json.
 */
const USAGE =
  'usage: webpubsub-emulator [--port 8080] [--host 127.0.0.1] [--config appsettings.json] [--event-handler URL_TEMPLATE] [--log-level info]\n' +
  '                          [--https-port 8443] [--cert cert.pem --key key.pem] [--data-dir .webpubsub-emulator]';
/** Where the generated certificate is kept when --data-dir is not given (relative to the working directory, as Azurite's --location). */
const DEFAULT_DATA_DIR = '.webpubsub-emulator';
const DEFAULT_HTTPS_PORT = 8443;
const DEFAULT_CONFIG = fileURLToPath(new URL('../../config/webpubsub.json', import.meta.url));
/** The generated pair is `webpubsub-emulator-cert.pem` / `-key.pem` in the data directory. */
const TLS_NAME = 'webpubsub-emulator';
const tlsInvalid: TlsInvalid = (field, reason) => {
  throw new ConfigError(field, reason);
};

interface Cli {
  readonly port: number;
  readonly host: string;
  readonly configPath: string;
  readonly eventHandler: string | undefined;
  readonly logLevel: string;
  /** HTTPS when asked for (`--https-port`, or `--cert`/`--key`): its port and certificate. */
  readonly https: { readonly port: number; readonly tls: TlsMaterial } | undefined;
}

function parseCli(argv: string[]): Cli | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...sharedOptions('8080'),
      'event-handler': { type: 'string' },
      'https-port': { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      'data-dir': { type: 'string', default: DEFAULT_DATA_DIR },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const port = checkPort(values.port);
  checkLogLevel(values['log-level']);
  if ((values.cert === undefined) !== (values.key === undefined)) throw new ConfigError(values.cert === undefined ? '--cert' : '--key', 'is needed with the other (--cert and --key go together)');
  const wantsHttps = values['https-port'] !== undefined || values.cert !== undefined;
  let https: Cli['https'];
  if (wantsHttps) {
    const httpsPort = values['https-port'] === undefined ? DEFAULT_HTTPS_PORT : checkPort(values['https-port'], '--https-port');
    const tls = values.cert !== undefined && values.key !== undefined ? loadTls(values.cert, values.key, tlsInvalid) : localTls(resolve(values['data-dir']), { name: TLS_NAME, invalid: tlsInvalid });
    https = { port: httpsPort, tls };
  }
  return { port, host: values.host, configPath: values.config ?? DEFAULT_CONFIG, eventHandler: values['event-handler'], logLevel: values['log-level'], https };
}

async function main(): Promise<void> {
  const base = { service: 'webpubsub-emulator' };
  const startup = readStartup(USAGE, pino({ base }), () => {
    const cli = parseCli(process.argv.slice(2));
    if (!cli) return undefined;
    const env = overridesFromEnv(process.env);
    // The flag wins over WEBPUBSUB_EVENT_HANDLER_URL, and errors name whichever was used.
    const overrides = cli.eventHandler === undefined ? env : { ...env, eventHandlerUrl: cli.eventHandler, eventHandlerField: '--event-handler' };
    return { cli, config: loadConfigFile(cli.configPath, overrides) };
  });
  if (!startup) return;
  const { cli, config } = startup;
  const logger = pino({ level: cli.logLevel, base });
  const https = cli.https && { port: cli.https.port, cert: cli.https.tls.cert, key: cli.https.tls.key };
  const emulator = await runSignalRBin(logger, async () => {
    const emulator = await startSignalREmulator({ port: cli.port, host: cli.host, config, logger, ...(https ? { https } : {}) });
    const hubs = Object.fromEntries([...config.webPubSub.hubs].map(([hub, handlers]) => [hub, handlers.map((h) => h.urlTemplate)]));
    const ready = {
      port: emulator.port,
      configPath: cli.configPath,
      eventHandlers: hubs,
      connectionString: emulator.connectionString,
      webPubSubConnectionString: emulator.webPubSubConnectionString,
      ...(cli.https
        ? { httpsPort: emulator.httpsPort, httpsConnectionString: emulator.httpsConnectionString, certPath: cli.https.tls.certPath, certGenerated: cli.https.tls.generated }
        : {}),
    };
    return { emulator, ready };
  });
  if (!emulator) return;
  process.stderr.write(`Web PubSub emulator on ${emulator.url}\nConnection string: ${emulator.webPubSubConnectionString}\n`);
  if (cli.https) {
    process.stderr.write(httpsBanner(cli.https.tls, emulator.httpsUrl ?? '', emulator.httpsConnectionString ?? ''));
  } else {
    process.stderr.write('Plain http: pass allowInsecureConnection: true to Microsoft\'s SDKs, or start with --https-port for an https endpoint.\n');
  }
}

await main();
