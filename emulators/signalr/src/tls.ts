import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './errors.js';

/**
 * The certificate the HTTPS listener serves: one the user gave (`--cert`,
 * `--key`, as Azurite takes them) or a local self-signed one made at first
 * start and kept in the data directory, so the one trust line a user sets
 * (`NODE_EXTRA_CA_CERTS=<certPath>`) stays valid across restarts.
 */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** The PEM file a client trusts (NODE_EXTRA_CA_CERTS, or `ca` of a TLS client). */
  readonly certPath: string;
  readonly generated: boolean;
}

export const GENERATED_CERT = 'webpubsub-emulator-cert.pem';
export const GENERATED_KEY = 'webpubsub-emulator-key.pem';
const VALID_DAYS = 825;

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError(what, `${path} cannot be read: ${(error as Error).message}`);
  }
}

export function loadTls(certPath: string, keyPath: string): TlsMaterial {
  return { cert: read(certPath, '--cert'), key: read(keyPath, '--key'), certPath, generated: false };
}

/**
 * The generated certificate of `dataDir`, made with the `openssl` CLI when
 * absent (Node's crypto signs but cannot write an X.509 certificate). It is
 * its own CA (CA:TRUE, keyCertSign) so it can be trusted as an anchor, and
 * names localhost, 127.0.0.1 and ::1. Files are written under temporary
 * names and renamed, so a start that is killed half way leaves no half pair.
 */
export function localTls(dataDir: string): TlsMaterial {
  const certPath = join(dataDir, GENERATED_CERT);
  const keyPath = join(dataDir, GENERATED_KEY);
  if (existsSync(certPath) && existsSync(keyPath)) return { ...loadTls(certPath, keyPath), generated: false };
  mkdirSync(dataDir, { recursive: true });
  const tmpCert = `${certPath}.${process.pid}.tmp`;
  const tmpKey = `${keyPath}.${process.pid}.tmp`;
  try {
    execFileSync(
      'openssl',
      [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-keyout', tmpKey, '-out', tmpCert, '-days', String(VALID_DAYS),
        '-subj', '/CN=webpubsub-emulator local certificate',
        '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
        '-addext', 'basicConstraints=critical,CA:TRUE',
        '-addext', 'keyUsage=critical,digitalSignature,keyCertSign',
        '-addext', 'extendedKeyUsage=serverAuth',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (error) {
    throw new ConfigError(
      '--data-dir',
      `could not generate a local certificate with openssl (${(error as Error).message.split('\n')[0] ?? ''}); install openssl or pass --cert and --key`,
    );
  }
  chmodSync(tmpKey, 0o600);
  renameSync(tmpKey, keyPath);
  renameSync(tmpCert, certPath);
  return { ...loadTls(certPath, keyPath), generated: true };
}
