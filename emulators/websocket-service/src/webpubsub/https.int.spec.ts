import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { WebSocket } from 'ws';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runBin, type BinRun } from '../testing/bin.js';
import { waitFor } from '../testing/wait.js';

const BIN = fileURLToPath(new URL('../../bin/webpubsub-emulator.js', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/**
 * What a user of Microsoft's server SDK runs, unchanged: a separate Node
 * process, trusting the emulator's certificate only through the one line the
 * emulator prints (NODE_EXTRA_CA_CERTS), with no allowInsecureConnection.
 */
const SDK_SCRIPT = `
import { WebPubSubServiceClient } from '@azure/web-pubsub';
const service = new WebPubSubServiceClient(process.env.CS, 'secure');
await service.sendToUser('tls-user', 'over https', { contentType: 'text/plain' });
console.log(JSON.stringify({ exists: await service.userExists('tls-user') }));
`;

async function started(args: string[]): Promise<{ proc: BinRun; ready: Record<string, unknown> }> {
  const proc = runBin(BIN, ['--port', '0', ...args], { LOG_LEVEL: 'warn' });
  onTestFinished(async () => {
    proc.child.kill('SIGTERM');
    await proc.exit;
  });
  const ready = await waitFor(() => proc.lines.find((l) => l.msg === 'ready'), 45_000, 'the ready line');
  return { proc, ready };
}

describe('HTTPS beside HTTP', { timeout: 90_000 }, () => {
  it('generates a local certificate once, serves REST and wss with it, and Microsoft\'s SDK trusts it through NODE_EXTRA_CA_CERTS', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'webpubsub-tls-'));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const { proc, ready } = await started(['--https-port', '0', '--data-dir', dataDir]);
    const certPath = join(dataDir, 'webpubsub-emulator-cert.pem');
    expect(ready).toMatchObject({ certPath, certGenerated: true });
    const httpsCs = String(ready.httpsConnectionString);
    expect(httpsCs).toMatch(/^Endpoint=https:\/\/127\.0\.0\.1;Port=\d+;AccessKey=/);
    await waitFor(() => proc.stderr.join('').includes(`NODE_EXTRA_CA_CERTS=${certPath}`), 10_000, 'the trust line on stderr');

    // A wss client of the same service, trusting the certificate as a CA.
    const { url } = await new WebPubSubServiceClient(httpsCs, 'secure').getClientAccessToken({ userId: 'tls-user' });
    expect(url).toMatch(/^wss:\/\/127\.0\.0\.1:\d+\/client\/hubs\/secure\?access_token=/);
    const ws = new WebSocket(url, { ca: readFileSync(certPath) });
    const received: string[] = [];
    ws.on('message', (data) => received.push(String(data)));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));

    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', SDK_SCRIPT], {
      cwd: PACKAGE_DIR,
      env: { ...process.env, CS: httpsCs, NODE_EXTRA_CA_CERTS: certPath },
    });
    expect(JSON.parse(stdout)).toEqual({ exists: true });
    await waitFor(() => received.length > 0, 10_000, 'the message over wss');
    expect(received).toEqual(['over https']);
    ws.close();

    // Without the trust line the same SDK call fails on the certificate, not silently.
    const untrusted = await run(process.execPath, ['--input-type=module', '-e', SDK_SCRIPT], { cwd: PACKAGE_DIR, env: { ...process.env, CS: httpsCs, NODE_EXTRA_CA_CERTS: '' } }).then(
      () => 'succeeded',
      (error: { stderr?: string }) => error.stderr ?? '',
    );
    expect(untrusted).toMatch(/self[- ]signed certificate|unable to verify/i);

    // A restart keeps the certificate, so the trust line stays valid.
    const before = readFileSync(certPath, 'utf8');
    proc.child.kill('SIGTERM');
    await proc.exit;
    const again = await started(['--https-port', '0', '--data-dir', dataDir]);
    expect(again.ready).toMatchObject({ certPath, certGenerated: false });
    expect(readFileSync(certPath, 'utf8')).toBe(before);
  });

  it('refuses an http endpoint in Microsoft\'s SDK unless allowInsecureConnection is set, as the README says', async () => {
    const { ready } = await started([]);
    const httpCs = String(ready.webPubSubConnectionString);
    expect(ready.httpsPort).toBeUndefined();
    await expect(new WebPubSubServiceClient(httpCs, 'plain').sendToAll('x', { contentType: 'text/plain' })).rejects.toThrow(/while allowInsecureConnection is false/);
    await new WebPubSubServiceClient(httpCs, 'plain', { allowInsecureConnection: true }).sendToAll('x', { contentType: 'text/plain' });
  });

  it('takes a certificate of the user\'s with --cert and --key, and refuses one without the other', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'webpubsub-tls-own-'));
    onTestFinished(() => rmSync(dataDir, { recursive: true, force: true }));
    const cert = join(dataDir, 'own-cert.pem');
    const key = join(dataDir, 'own-key.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=own', '-addext', 'subjectAltName=IP:127.0.0.1']);
    const { ready } = await started(['--https-port', '0', '--cert', cert, '--key', key]);
    expect(ready).toMatchObject({ certPath: cert, certGenerated: false });
    const res = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`wss://127.0.0.1:${Number(ready.httpsPort)}/client/hubs/x`, { ca: readFileSync(cert) });
      ws.once('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0)).once('error', reject);
    });
    // TLS held (the certificate was served and trusted); the handshake then wants a token.
    expect(res).toBe(401);

    const half = runBin(BIN, ['--port', '0', '--cert', cert]);
    expect(await half.exit).toBe(2);
  });
});
