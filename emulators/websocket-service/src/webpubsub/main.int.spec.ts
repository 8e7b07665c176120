import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { runBin } from '../testing/bin.js';
import { openClient } from '../testing/clients.js';
import { startEventRecorder, type EventRecorder } from '../testing/event-recorder.js';
import { waitFor } from '../testing/wait.js';

const BIN = fileURLToPath(new URL('../../bin/webpubsub-emulator.js', import.meta.url));
const KEY = 'a-users-own-key-from-appsettings';

function file(content: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'webpubsub-cli-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'appsettings.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

// Each test boots the bin (tsx compiles on start): slow on a busy machine, so longer limits than the default.
describe('the webpubsub-emulator bin', { timeout: 60_000 }, () => {
  let handler: EventRecorder;
  beforeAll(async () => {
    handler = await startEventRecorder([KEY]);
  });
  afterAll(() => handler.close());

  it('reads a Microsoft emulator appsettings.json unchanged (other sections ignored) and prints the connection string', async () => {
    const config = file({
      Logging: { LogLevel: { Default: 'Information' } },
      AllowedHosts: '*',
      WebPubSub: { AccessKey: KEY, Hubs: { Chat: { EventHandlers: [{ UrlTemplate: `${handler.url}/{hub}/{event}`, SystemEvents: ['Connected'], EventPattern: '*' }] } } },
    });
    const proc = runBin(BIN, ['--port', '0', '--config', config], { LOG_LEVEL: 'warn' });
    try {
      const ready = await waitFor(() => proc.lines.find((l) => l.msg === 'ready'), 45_000, 'the ready line');
      const cs = `Endpoint=http://127.0.0.1;Port=${ready.port as number};AccessKey=${KEY};Version=1.0;`;
      expect(ready).toMatchObject({ connectionString: cs, webPubSubConnectionString: cs });
      // The line for people goes to stderr, a separate pipe that may arrive after the ready line on stdout.
      await waitFor(() => proc.stderr.join('').includes(cs), 10_000, 'the connection string on stderr');
      expect(proc.stderr.join('')).toContain(cs);
      const service = new WebPubSubServiceClient(cs, 'chat', { allowInsecureConnection: true });
      const client = await openClient((await service.getClientAccessToken({ userId: 'u' })).url);
      client.ws.send('hi');
      await handler.waitFor((e) => e.type === 'user.message' && e.body.toString() === 'hi', 30_000);
      await handler.waitFor((e) => e.type === 'sys.connected', 30_000);
      expect(handler.of('sys.connected')).toHaveLength(1);
      expect(handler.of('sys.connect')).toHaveLength(0);
      proc.child.kill('SIGTERM');
      expect(await proc.exit).toBe(0);
    } finally {
      proc.child.kill('SIGKILL');
    }
  });

  it('points every hub at --event-handler without a file', async () => {
    const proc = runBin(BIN, ['--port', '0', '--config', file({ WebPubSub: { AccessKey: KEY } }), '--event-handler', `${handler.url}/flag/{hub}/{event}`]);
    try {
      const ready = await waitFor(() => proc.lines.find((l) => l.msg === 'ready'), 45_000, 'the ready line');
      const service = new WebPubSubServiceClient(String(ready.webPubSubConnectionString), 'anyhub', { allowInsecureConnection: true });
      const client = await openClient((await service.getClientAccessToken({ userId: 'u' })).url);
      await handler.waitFor((e) => e.path === '/flag/anyhub/connect', 30_000);
      client.ws.close();
    } finally {
      proc.child.kill('SIGKILL');
    }
  });

  it('stops with a message naming the field of a bad file', async () => {
    const proc = runBin(BIN, ['--port', '0', '--config', file({ WebPubSub: { Hubs: { chat: { EventHandlers: [{ UrlTemplate: 'ftp://x/{event}' }] } } } })]);
    expect(await proc.exit).toBe(2);
    const fatal = proc.lines.find((l) => l.level === 60);
    expect(fatal?.code).toBe('SIGNALR_CONFIG_INVALID');
    expect(String(fatal?.msg)).toContain('WebPubSub.Hubs.chat.EventHandlers[0].UrlTemplate');
  });

  it('names --event-handler when its URL is bad', async () => {
    const proc = runBin(BIN, ['--port', '0', '--event-handler', 'not a url']);
    expect(await proc.exit).toBe(2);
    expect(String(proc.lines.find((l) => l.level === 60)?.msg)).toContain('--event-handler');
  });
});
