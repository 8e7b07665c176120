import { resolve } from 'node:path';
import { createEmulatorLogger, httpsBanner, loadTls, localTls, runEmulator, trustLine, type TlsInvalid, type TlsMaterial } from '@parley/emulator-lib';
import type { CliOptions } from './config/cli-args.js';
import { parseCliArgs } from './config/cli-args.js';
import { EmulatorError } from './errors.js';
import { startTablesEmulator } from './index.js';

const log = createEmulatorLogger('tables-emulator');

/**
 * Where the generated certificate is kept when the data is in memory: relative
 * to the working directory, as the Web PubSub emulator's `.webpubsub-emulator`
 * (and Azurite's --location). With --data-dir it sits beside tables.sqlite.
 */
const DEFAULT_CERT_DIR = '.tables-emulator';
const TLS_NAME = 'tables-emulator';

const tlsInvalid: TlsInvalid = (field, reason) => {
  throw new EmulatorError('TBLEMU_TLS_FAILED', `${field}: ${reason}`);
};

function tlsFor(args: CliOptions): TlsMaterial | undefined {
  if (!args.https) return undefined;
  const { certFile, keyFile } = args.https;
  if (certFile !== undefined && keyFile !== undefined) return loadTls(certFile, keyFile, tlsInvalid);
  return localTls(resolve(args.dataDir ?? DEFAULT_CERT_DIR), { name: TLS_NAME, invalid: tlsInvalid });
}

/** The certificate of this start, for the lines printed once it listens. */
let tls: TlsMaterial | undefined;

const emulator = await runEmulator({
  log,
  unexpectedCode: 'TBLEMU_UNEXPECTED',
  async start() {
    const args = parseCliArgs(process.argv.slice(2));
    tls = tlsFor(args);
    const emulator = await startTablesEmulator({
      port: args.port,
      host: args.host,
      sync: args.sync,
      ...(args.dataDir ? { dataDir: args.dataDir } : {}),
      ...(tls && args.https ? { https: { cert: tls.cert, key: tls.key, port: args.https.port } } : {}),
      logger: log,
    });
    const ready = {
      port: emulator.port,
      connectionString: emulator.connectionString,
      dataDir: args.dataDir ?? null,
      sync: args.sync,
      ...(tls ? { httpsPort: emulator.httpsPort, httpsConnectionString: emulator.httpsConnectionString, certPath: tls.certPath, certGenerated: tls.generated, trust: trustLine(tls.certPath) } : {}),
    };
    return { emulator, ready };
  },
});

// For the person at the terminal (stdout is pino JSON): the https endpoint and the one trust line.
if (emulator?.httpsPort !== undefined && emulator.httpsConnectionString !== undefined && tls) {
  process.stderr.write(httpsBanner(tls, `https://${emulator.host.includes(':') ? `[${emulator.host}]` : emulator.host}:${emulator.httpsPort}`, emulator.httpsConnectionString));
}
