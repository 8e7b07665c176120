import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startWebPubSub, type WebPubSubStandIn } from '@parley/testkit';
import { isolatedDir, runCli } from '../testing/harness.js';

const gatewayHandler = { UrlTemplate: 'http://127.0.0.1:7071/api/webpubsub/events', SystemEvents: ['connect', 'connected', 'disconnected'], EventPattern: '*' };

/** `parley upstream` in Web PubSub mode against the real local service, and the az command for Azure. */
describe('parley upstream --service webpubsub (real local WebSocket service)', () => {
  let dir: string;
  let stackFile: string;
  let wps: WebPubSubStandIn;
  let env: Record<string, string>;
  const upstream = (args: string[], stdin?: string, extraEnv: Record<string, string> = {}) => runCli(['upstream', ...args], { ...env, ...extraEnv }, dir, stdin);
  const current = async () => JSON.parse((await upstream(['get', '--service', 'webpubsub'])).stdout) as { Hubs: Record<string, { EventHandlers: unknown[] }> };

  beforeAll(async () => {
    ({ dir, stackFile } = await isolatedDir());
    wps = await startWebPubSub({ hubs: { chat: [gatewayHandler] } });
    env = { WEBPUBSUB_CONNECTION_STRING: wps.connectionString, PARLEY_STACK_FILE: stackFile };
  });
  afterAll(async () => {
    await wps?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('gets the hubs and their event handlers', async () => {
    const result = await upstream(['get', '--service', 'webpubsub']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ Hubs: { chat: { EventHandlers: [gatewayHandler] } } });
  });

  it('adds a handler in front of the hub\'s others, then replaces them from a file', async () => {
    const added = await upstream(['add', '--service', 'webpubsub', '--hub', 'chat', '--url', 'http://127.0.0.1:7099/{hub}/{event}', '--event', 'message', '--system-events', 'connect']);
    expect(added.code).toBe(0);
    expect((await current()).Hubs.chat!.EventHandlers).toEqual([
      { UrlTemplate: 'http://127.0.0.1:7099/{hub}/{event}', SystemEvents: ['connect'], EventPattern: 'message' },
      gatewayHandler,
    ]);
    const file = join(dir, 'appsettings.json');
    await writeFile(file, JSON.stringify({ WebPubSub: { Hubs: { chat: { EventHandlers: [gatewayHandler] } } } }));
    const set = await upstream(['set', file, '--service', 'webpubsub']);
    expect(set.code).toBe(0);
    expect(set.stderr).toContain('event handlers replaced: 1 hub(s)');
    expect((await current()).Hubs.chat!.EventHandlers).toEqual([gatewayHandler]);
  });

  it('takes the dialect from the stack file, and refuses handlers the service refuses (exit 1, old ones kept)', async () => {
    await writeFile(stackFile, JSON.stringify({ service: 'webpubsub', signalr: wps.connectionString }));
    try {
      const before = await upstream(['get'], undefined, { WEBPUBSUB_CONNECTION_STRING: '' });
      expect(JSON.parse(before.stdout)).toEqual({ Hubs: { chat: { EventHandlers: [gatewayHandler] } } });
      const bad = await upstream(['set', '-'], JSON.stringify({ Hubs: { chat: { EventHandlers: [{ UrlTemplate: 'http://x/{nope}' }] } } }));
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/UrlTemplate.*\[PARLEY_CLI_INPUT_INVALID\]/);
      expect((await current()).Hubs.chat!.EventHandlers).toEqual([gatewayHandler]);
    } finally {
      await writeFile(stackFile, '{}');
    }
  });

  it('prints the az command for Azure Web PubSub instead of changing anything', async () => {
    const azure = { WEBPUBSUB_CONNECTION_STRING: '', WEBPUBSUB_ENDPOINT: 'https://parley-prod-wps.webpubsub.azure.com' };
    const add = await upstream(['add', '--service', 'webpubsub', '--hub', 'chat', '--url', 'https://chat.parley.example/api/webpubsub/events'], undefined, azure);
    expect(add.code).toBe(0);
    expect(add.stderr).toContain('is Azure Web PubSub: this CLI changes nothing there');
    expect(add.stdout).toBe(
      'az webpubsub hub update --resource-group "$RG" --name "parley-prod-wps" --hub-name "chat" \\\n' +
        '  --event-handler url-template="https://chat.parley.example/api/webpubsub/events" user-event-pattern="*" system-event="connect" system-event="connected" system-event="disconnected"\n',
    );
    const get = await upstream(['get', '--service', 'webpubsub'], undefined, azure);
    expect(get.stdout).toBe('az webpubsub hub show --resource-group "$RG" --name "parley-prod-wps" --hub-name "chat"\n');
    expect((await current()).Hubs.chat!.EventHandlers).toEqual([gatewayHandler]);
  });
});
