import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The certificate an emulator's HTTPS listener serves: one the user gave
 * (`--cert`, `--key`, as Azurite takes them) or a local self-signed one made at
 * first start and kept in a directory, so the one trust line a user sets
 * (`NODE_EXTRA_CA_CERTS=<certPath>`) stays valid across restarts.
 */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** The PEM file a client trusts (NODE_EXTRA_CA_CERTS, or `ca` of a TLS client). */
  readonly certPath: string;
  readonly generated: boolean;
}

/**
 * Receives the option a problem is about (`--cert`, `--key`, `--data-dir`) and
 * the reason, and must throw, so each emulator reports it with its own code.
 */
export type TlsInvalid = (field: string, reason: string) => never;

export interface LocalTlsOptions {
  /** The emulator's name: the files are `<name>-cert.pem` / `<name>-key.pem`, the subject `<name> local certificate`. */
  readonly name: string;
  readonly invalid: TlsInvalid;
}

const VALID_DAYS = 825;

/** Where `localTls(dataDir, { name })` keeps its pair. */
export function generatedTlsFiles(dataDir: string, name: string): { readonly certPath: string; readonly keyPath: string } {
  return { certPath: join(dataDir, `${name}-cert.pem`), keyPath: join(dataDir, `${name}-key.pem`) };
}

function read(path: string, field: string, invalid: TlsInvalid): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    return invalid(field, `${path} cannot be read: ${(error as Error).message}`);
  }
}

/** A pair the user gave; a file that cannot be read names its option. */
export function loadTls(certPath: string, keyPath: string, invalid: TlsInvalid): TlsMaterial {
  return { cert: read(certPath, '--cert', invalid), key: read(keyPath, '--key', invalid), certPath, generated: false };
}

/**
 * The generated certificate of `dataDir`, made with the `openssl` CLI when
 * absent (Node's crypto signs but cannot write an X.509 certificate). It is
 * its own CA (CA:TRUE, keyCertSign) so it can be trusted as an anchor, and
 * names localhost, 127.0.0.1 and ::1. Files are written under temporary
 * names and renamed, so a start that is killed half way leaves no half pair.
 */
export function localTls(dataDir: string, options: LocalTlsOptions): TlsMaterial {
  const { certPath, keyPath } = generatedTlsFiles(dataDir, options.name);
  if (existsSync(certPath) && existsSync(keyPath)) return loadTls(certPath, keyPath, options.invalid);
  try {
    mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    options.invalid('--data-dir', `${dataDir} cannot be created: ${(error as Error).message}`);
  }
  const tmpCert = `${certPath}.${process.pid}.tmp`;
  const tmpKey = `${keyPath}.${process.pid}.tmp`;
  try {
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', tmpKey, '-out', tmpCert, '-days', String(VALID_DAYS),
        '-subj', `/CN=${options.name} local certificate`,
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
        '-addext', 'basicConstraints=critical,CA:TRUE',
        '-addext', 'keyUsage=critical,digitalSignature,keyCertSign',
        '-addext', 'extendedKeyUsage=serverAuth',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (error) {
    rmSync(tmpKey, { force: true });
    rmSync(tmpCert, { force: true });
    options.invalid(
      '--data-dir',
      `could not generate a local certificate with openssl (${(error as Error).message.split('\n')[0] ?? ''}); install openssl or pass --cert and --key`,
    );
  }
  chmodSync(tmpKey, 0o600);
  renameSync(tmpKey, keyPath);
  renameSync(tmpCert, certPath);
  return { ...loadTls(certPath, keyPath, options.invalid), generated: true };
}

/** The line a user sets so Node (and so Microsoft's SDKs) trusts the certificate. */
export function trustLine(certPath: string): string {
  return `NODE_EXTRA_CA_CERTS=${certPath}`;
}

/**
 * What a bin writes to stderr once HTTPS listens: where, with which
 * certificate, the connection string to use and the trust line. Harnesses read
 * the same fields from the `ready` line; this is for the person at the terminal.
 */
export function httpsBanner(tls: TlsMaterial, httpsUrl: string, httpsConnectionString: string): string {
  return (
    `HTTPS on ${httpsUrl} with ${tls.generated ? 'a newly generated' : 'the'} certificate ${tls.certPath}\n` +
    `HTTPS connection string: ${httpsConnectionString}\n` +
    `To trust it in Node (Microsoft's SDKs): ${trustLine(tls.certPath)}\n`
  );
}
