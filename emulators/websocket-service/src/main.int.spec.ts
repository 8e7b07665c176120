import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { runBin, type BinRun } from './testing/bin.js';
import { openClient, restToken } from './testing/clients.js';
import { startTestUpstream, type TestUpstream } from './testing/test-upstream.js';
import { waitFor } from './testing/wait.js';

const BIN = fileURLToPath(new URL('../bin/signalr-emulator.js', import.meta.url));
const DEV_KEYS = ['parley-dev-primary-key-0123456789abcdef', 'parley-dev-secondary-key-fedcba9876543210'];

function run(args: string[], env: Record<string, string> = {}): BinRun {
  return runBin(BIN, args, env);
}

describe('the signalr-emulator bin', () => {
  let upstream: TestUpstream;
  beforeAll(async () => {
    upstream = await startTestUpstream(DEV_KEYS);
  });
  afterAll(() => upstream.close());

  it('starts on an ephemeral port with the default config and SIGNALR_UPSTREAM_URL, logs one ready line, and stops cleanly on SIGTERM', async () => {
    const proc = run(['--port', '0'], { SIGNALR_UPSTREAM_URL: `${upstream.url}/api/messages?event={event}`, LOG_LEVEL: 'warn' });
    try {
      const ready = await waitFor(() => proc.lines.find((l) => l.msg === 'ready'), 20_000, 'the ready line');
      const port = ready.port as number;
      expect(port).toBeGreaterThan(0);
      expect(ready.connectionString).toBe(`Endpoint=http://127.0.0.1;Port=${port};AccessKey=${DEV_KEYS[0]};Version=1.0;`);
      expect(proc.lines.filter((l) => l.msg === 'ready')).toHaveLength(1);

      const client = await openClient(`ws://127.0.0.1:${port}/ws/client/hubs/chat?user=cli`);
      const connect = await upstream.waitForCall((c) => c.event === 'connect');
      expect(connect.signatureValid).toBe(true);
      proc.child.kill('SIGTERM');
      expect((await client.waitClosed()).code).toBe(1001);
      expect(await proc.exit).toBe(0);
      // The disconnect went out before the process ended.
      expect(upstream.callsOf('disconnect', connect.connectionId)).toHaveLength(1);
    } finally {
      proc.child.kill('SIGKILL');
    }
  });

  it('stops with a message naming the field of a bad config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'signalr-cli-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ accessKeys: { primary: 'p'.repeat(20) }, upstream: { templates: [{ urlTemplate: 'ftp://x/{event}' }] } }));
    const proc = run(['--port', '0', '--config', file]);
    expect(await proc.exit).toBe(2);
    const fatal = proc.lines.find((l) => l.level === 60);
    expect(fatal?.code).toBe('SIGNALR_CONFIG_INVALID');
    expect(String(fatal?.msg)).toContain('upstream.templates[0].urlTemplate');
  });

  it('with --config FILE --persist-settings, saves settings changed through the manage API into FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'signalr-cli-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ accessKeys: { primary: DEV_KEYS[0] }, upstream: { templates: [] } }));
    const proc = run(['--port', '0', '--config', file, '--persist-settings']);
    try {
      const ready = await waitFor(() => proc.lines.find((l) => l.msg === 'ready'), 20_000, 'the ready line');
      const url = `http://127.0.0.1:${ready.port as number}/manage/v1/ws/upstream`;
      const templates = [{ hubPattern: 'chat', categoryPattern: '*', eventPattern: '*', urlTemplate: `${upstream.url}/x?e={event}` }];
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${await restToken(url, DEV_KEYS[0] as string)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ templates }),
      });
      expect(res.status).toBe(200);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ accessKeys: { primary: DEV_KEYS[0] }, upstream: { templates } });
      proc.child.kill('SIGTERM');
      expect(await proc.exit).toBe(0);
    } finally {
      proc.child.kill('SIGKILL');
    }
  });

  it('refuses --persist-settings without --config (the shipped default config is not rewritten)', async () => {
    const proc = run(['--port', '0', '--persist-settings']);
    expect(await proc.exit).toBe(2);
    expect(String(proc.lines.find((l) => l.level === 60)?.msg)).toContain('--persist-settings: needs --config FILE');
  });

  it('at LOG_LEVEL=info logs shutting down then one stopped line on SIGTERM, and exits 0', async () => {
    const proc = run(['--port', '0'], { LOG_LEVEL: 'info' });
    try {
      await waitFor(() => proc.lines.find((l) => l.msg === 'ready'), 20_000, 'the ready line');
      proc.child.kill('SIGTERM');
      expect(await proc.exit).toBe(0);
      const shutdown = proc.lines.map((l) => l.msg).filter((msg) => msg === 'shutting down' || msg === 'stopped');
      expect(shutdown).toEqual(['shutting down', 'stopped']);
    } finally {
      proc.child.kill('SIGKILL');
    }
  });

  it('stops with one coded fatal line and exit 1 when its port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    onTestFinished(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    const proc = run(['--port', String((taken.address() as AddressInfo).port)]);
    expect(await proc.exit).toBe(1);
    const fatal = proc.lines.filter((l) => l.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]?.code).toBe('SIGNALR_UNEXPECTED');
    expect(String(fatal[0]?.msg)).toContain('EADDRINUSE');
    expect(proc.lines.some((l) => l.msg === 'ready')).toBe(false);
  });

  it('refuses a bad --port', async () => {
    const proc = run(['--port', 'eighty']);
    expect(await proc.exit).toBe(2);
    expect(String(proc.lines.find((l) => l.level === 60)?.msg)).toContain('--port');
  });
});
