import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { AzureSASCredential, TableClient } from '@azure/data-tables';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DEV_ACCOUNT, DEV_KEY } from './auth/account.js';
import { startEmulator, type StandIn } from './testing/stand-ins.js';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/tables-emulator.js', import.meta.url));
const run = promisify(execFile);

/**
 * What a user of Microsoft's SDK runs, unchanged: a separate Node process
 * that trusts the emulator's certificate only through the one line the
 * emulator prints (NODE_EXTRA_CA_CERTS), with no allowInsecureConnection.
 * It works with the https connection string (SharedKey) and with an account
 * SAS signed for https only.
 */
const SDK_SCRIPT = `
import { AzureNamedKeyCredential, AzureSASCredential, TableClient, generateAccountSas } from '@azure/data-tables';
const table = TableClient.fromConnectionString(process.env.CS, 'secure', { retryOptions: { maxRetries: 0 } });
await table.createTable();
await table.upsertEntity({ partitionKey: 'p', rowKey: 'r1', text: 'over https' });
const rows = [];
for await (const e of table.listEntities({ queryOptions: { filter: "PartitionKey eq 'p'" } })) rows.push({ rowKey: e.rowKey, text: e.text });
const sas = generateAccountSas(new AzureNamedKeyCredential(process.env.ACCOUNT, process.env.KEY), { protocol: 'https', resourceTypes: 'sco', permissions: { query: true, write: true, list: true, add: true, update: true } });
const bySas = new TableClient(process.env.URL, 'secure', new AzureSASCredential(sas), { retryOptions: { maxRetries: 0 } });
await bySas.upsertEntity({ partitionKey: 'p', rowKey: 'r2', text: 'by sas' });
const viaSas = await bySas.getEntity('p', 'r2');
console.log(JSON.stringify({ rows, viaSas: viaSas.text, sas }));
`;

type Ready = Record<string, unknown>;

function readyOf(standIn: StandIn): Ready {
  const line = standIn.output().find((l) => l.includes('"msg":"ready"'));
  if (!line) throw new Error(`no ready line in:\n${standIn.output().join('\n')}`);
  return JSON.parse(line) as Ready;
}

async function started(options: Parameters<typeof startEmulator>[0]): Promise<StandIn> {
  const standIn = await startEmulator(options);
  onTestFinished(() => standIn.stop());
  return standIn;
}

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function runSdk(env: Record<string, string>): Promise<string> {
  return run(process.execPath, ['--input-type=module', '-e', SDK_SCRIPT], { cwd: PACKAGE_DIR, env: { ...process.env, ...env }, timeout: 60_000 }).then(
    ({ stdout }) => stdout,
    (error: { stderr?: string }) => `failed: ${error.stderr ?? String(error)}`,
  );
}

/** The bin's exit code and its fatal line, for a start that must fail. */
async function failedStart(args: string[]): Promise<{ code: number; fatal: Record<string, unknown> }> {
  const result = await run(process.execPath, [BIN, '--port', '0', '--in-memory', ...args], { cwd: PACKAGE_DIR }).then(
    () => ({ code: 0, stdout: '' }),
    (error: { code?: number; stdout?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '' }),
  );
  const fatal = result.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.level === 60) ?? {};
  return { code: result.code, fatal };
}

describe('HTTPS beside HTTP', { timeout: 120_000 }, () => {
  it('generates a certificate in --data-dir once; Microsoft\'s SDK in another process trusts it through NODE_EXTRA_CA_CERTS alone, with a key and with an https-only SAS', async () => {
    const dataDir = tempDir('tables-tls-');
    const first = await started({ dataDir, args: ['--https-port', '0'] });
    const ready = readyOf(first);
    const certPath = join(dataDir, 'tables-emulator-cert.pem');
    expect(ready).toMatchObject({ certPath, certGenerated: true, trust: `NODE_EXTRA_CA_CERTS=${certPath}` });
    const httpsPort = Number(ready.httpsPort);
    expect(httpsPort).toBeGreaterThan(0);
    expect(httpsPort).not.toBe(first.port);
    const base = `https://127.0.0.1:${httpsPort}/${DEV_ACCOUNT}`;
    expect(ready.httpsConnectionString).toBe(`DefaultEndpointsProtocol=https;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};TableEndpoint=${base};`);
    // Written to stderr just after the ready line.
    const trustText = `To trust it in Node (Microsoft's SDKs): NODE_EXTRA_CA_CERTS=${certPath}`;
    for (let waited = 0; !first.output().includes(trustText) && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    expect(first.output()).toContain(trustText);

    const env = { CS: String(ready.httpsConnectionString), URL: base, ACCOUNT: DEV_ACCOUNT, KEY: DEV_KEY };
    const trusted = await runSdk({ ...env, NODE_EXTRA_CA_CERTS: certPath });
    expect(trusted).not.toMatch(/^failed/);
    const answer = JSON.parse(trusted) as { rows: unknown[]; viaSas: string; sas: string };
    expect(answer.rows).toEqual([{ rowKey: 'r1', text: 'over https' }]);
    expect(answer.viaSas).toBe('by sas');
    expect(new URLSearchParams(answer.sas).get('spr')).toBe('https');

    // The same data over http; the https-only SAS is refused there, as the service refuses it.
    const overHttp = new TableClient(`http://127.0.0.1:${first.port}/${DEV_ACCOUNT}`, 'secure', new AzureSASCredential(answer.sas), { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
    await expect(overHttp.getEntity('p', 'r1')).rejects.toMatchObject({ statusCode: 403, message: expect.stringContaining('AuthorizationProtocolMismatch') as unknown });
    const byKey = TableClient.fromConnectionString(first.connectionString, 'secure', { allowInsecureConnection: true });
    expect((await byKey.getEntity<{ text: string }>('p', 'r2')).text).toBe('by sas');

    // Without the trust line the same SDK fails on the certificate, not silently.
    const untrusted = await runSdk({ ...env, NODE_EXTRA_CA_CERTS: '' });
    expect(untrusted).toMatch(/^failed: [\s\S]*(self[- ]signed certificate|unable to verify)/i);

    // A restart keeps the certificate, so the trust line stays valid.
    const before = readFileSync(certPath, 'utf8');
    await first.stop();
    const second = await started({ dataDir, args: ['--https-port', '0'] });
    expect(readyOf(second)).toMatchObject({ certPath, certGenerated: false });
    expect(readFileSync(certPath, 'utf8')).toBe(before);
  });

  it('keeps the certificate of an in-memory emulator in .tables-emulator under the working directory', async () => {
    const cwd = tempDir('tables-tls-cwd-');
    const standIn = await started({ cwd, args: ['--https-port', '0'] });
    const certPath = join(cwd, '.tables-emulator', 'tables-emulator-cert.pem');
    expect(readyOf(standIn)).toMatchObject({ certPath, certGenerated: true, dataDir: null });
    expect(existsSync(join(cwd, '.tables-emulator', 'tables-emulator-key.pem'))).toBe(true);
    expect(existsSync(join(cwd, '.tables-emulator', 'tables.sqlite'))).toBe(false);
  });

  it('serves the user\'s --cert/--key, and refuses half a pair or a file it cannot read with a coded line', async () => {
    const dir = tempDir('tables-tls-own-');
    const cert = join(dir, 'own-cert.pem');
    const key = join(dir, 'own-key.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=own', '-addext', 'subjectAltName=IP:127.0.0.1']);
    const standIn = await started({ args: ['--https-port', '0', '--cert', cert, '--key', key] });
    const ready = readyOf(standIn);
    expect(ready).toMatchObject({ certPath: cert, certGenerated: false });
    const table = TableClient.fromConnectionString(String(ready.httpsConnectionString), 'own', {
      retryOptions: { maxRetries: 0 },
      // The SDK's pipeline takes a custom TLS trust through its agent; this is what NODE_EXTRA_CA_CERTS does for a process.
      tlsOptions: { ca: readFileSync(cert, 'utf8') },
    });
    await table.createTable();
    await table.upsertEntity({ partitionKey: 'p', rowKey: 'r', n: 1 });
    expect((await table.getEntity<{ n: number }>('p', 'r')).n).toBe(1);

    expect(await failedStart(['--cert', cert])).toMatchObject({ code: 1, fatal: { code: 'TBLEMU_ARGS_INVALID' } });
    expect(await failedStart(['--https-port', '0', '--cert', join(dir, 'missing.pem'), '--key', key])).toMatchObject({
      code: 1,
      fatal: { code: 'TBLEMU_TLS_FAILED', msg: expect.stringContaining('--cert: ') as unknown },
    });
    // A key that is not the certificate's fails before anything listens.
    const other = join(dir, 'other-key.pem');
    await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', other]);
    expect(await failedStart(['--https-port', '0', '--cert', cert, '--key', other])).toMatchObject({ code: 1, fatal: { code: 'TBLEMU_TLS_FAILED' } });
  });
});
