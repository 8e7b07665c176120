import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { listenOn } from './listen.js';
import { generatedTlsFiles, httpsBanner, loadTls, localTls, trustLine, type TlsInvalid } from './tls.js';

class Refused extends Error {
  constructor(readonly field: string, reason: string) {
    super(`${field}: ${reason}`);
  }
}
const invalid: TlsInvalid = (field, reason) => {
  throw new Refused(field, reason);
};

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'emulator-lib-tls-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A TLS handshake with `port` trusting only `ca` (or Node's default CAs): `authorized`, or why not. */
function handshake(port: number, ca: Buffer | undefined, servername: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, servername, ...(ca ? { ca } : {}) }, () => {
      resolve(socket.authorized ? 'authorized' : String(socket.authorizationError));
      socket.end();
    });
    socket.once('error', (error: Error) => resolve(error.message));
  });
}

describe('localTls', () => {
  it('generates a self-signed CA certificate for localhost, 127.0.0.1 and ::1 once, and keeps it', () => {
    const dir = join(tempDir(), 'nested', 'data');
    const first = localTls(dir, { name: 'demo-emulator', invalid });
    const { certPath, keyPath } = generatedTlsFiles(dir, 'demo-emulator');
    expect(first).toMatchObject({ certPath, generated: true });
    expect(readdirSync(dir).sort()).toEqual(['demo-emulator-cert.pem', 'demo-emulator-key.pem']);
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);

    const x509 = new X509Certificate(first.cert);
    expect(x509.subject).toBe('CN=demo-emulator local certificate');
    expect(x509.ca).toBe(true);
    expect(x509.checkIssued(x509)).toBe(true);
    expect(x509.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(x509.checkPrivateKey(createPrivateKey(first.key))).toBe(true);

    const again = localTls(dir, { name: 'demo-emulator', invalid });
    expect(again).toMatchObject({ certPath, generated: false });
    expect(again.cert.equals(first.cert)).toBe(true);
    expect(again.key.equals(first.key)).toBe(true);
  });

  it('serves a TLS handshake that verifies against the certificate alone, and not without it', async () => {
    const tls = localTls(tempDir(), { name: 'demo-emulator', invalid });
    const server = createServer({ cert: tls.cert, key: tls.key }, (_req, res) => res.end('ok'));
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const port = await listenOn(server, '127.0.0.1', 0);
    expect(await handshake(port, tls.cert, 'localhost')).toBe('authorized');
    expect(await handshake(port, undefined, 'localhost')).toMatch(/self[- ]signed certificate/i);
  });

  it('names --data-dir when the directory cannot be made', () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'not a directory');
    expect(() => localTls(join(file, 'sub'), { name: 'demo-emulator', invalid })).toThrow(expect.objectContaining({ field: '--data-dir' }));
  });
});

describe('loadTls', () => {
  it('reads the user\'s pair as given and names the option of a file it cannot read', () => {
    const dir = tempDir();
    const made = localTls(dir, { name: 'own', invalid });
    const { certPath, keyPath } = generatedTlsFiles(dir, 'own');
    expect(loadTls(certPath, keyPath, invalid)).toMatchObject({ certPath, generated: false, cert: made.cert });
    expect(() => loadTls(join(dir, 'missing.pem'), keyPath, invalid)).toThrow(expect.objectContaining({ field: '--cert', message: expect.stringContaining('missing.pem cannot be read') }));
    expect(() => loadTls(certPath, join(dir, 'missing.pem'), invalid)).toThrow(expect.objectContaining({ field: '--key' }));
  });
});

describe('the lines a user reads', () => {
  it('give the https connection string and the one trust line', () => {
    const tls = { cert: Buffer.from(''), key: Buffer.from(''), certPath: '/d/x-cert.pem', generated: true };
    expect(trustLine('/d/x-cert.pem')).toBe('NODE_EXTRA_CA_CERTS=/d/x-cert.pem');
    expect(httpsBanner(tls, 'https://127.0.0.1:1', 'CS')).toBe(
      'HTTPS on https://127.0.0.1:1 with a newly generated certificate /d/x-cert.pem\nHTTPS connection string: CS\nTo trust it in Node (Microsoft\'s SDKs): NODE_EXTRA_CA_CERTS=/d/x-cert.pem\n',
    );
    expect(httpsBanner({ ...tls, generated: false }, 'u', 'c')).toContain('with the certificate');
  });
});
