import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startSignalREmulator, type SignalREmulator } from '../index.js';
import { openClient, restToken } from '../testing/clients.js';
import { captureLogger, PRIMARY, SECONDARY, startPair, type Pair } from '../testing/emulator.js';
import { startTestUpstream, type TestUpstream } from '../testing/test-upstream.js';

const PATH = '/manage/v1/ws/upstream';

async function manage(base: string, init: { method?: string; body?: unknown; token?: string | null } = {}) {
  const url = `${base}${PATH}`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = init.token === undefined ? await restToken(url, PRIMARY) : init.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  const res = await fetch(url, { method: init.method ?? (body ? 'POST' : 'GET'), headers, body });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

describe('upstream settings API', () => {
  let pair: Pair;
  let second: TestUpstream;
  let original: unknown;
  beforeAll(async () => {
    pair = await startPair();
    second = await startTestUpstream([PRIMARY, SECONDARY]);
    original = pair.emulator.upstreamSettings();
  });
  afterAll(async () => {
    await pair.close();
    await second.close();
  });
  afterEach(async () => {
    expect((await manage(pair.emulator.url, { body: original })).status).toBe(200);
  });

  it('GET returns the current templates', async () => {
    const res = await manage(pair.emulator.url);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      templates: [{ hubPattern: '*', categoryPattern: '*', eventPattern: '*', urlTemplate: `${pair.upstream.url}/api/messages?event={event}` }],
    });
  });

  it('a change redirects the next message of an open connection to the new upstream, without dropping it', async () => {
    const client = await openClient(`${pair.ws}/ws/client/hubs/chat?user=mover`);
    const id = (await pair.upstream.waitForCall((c) => c.event === 'connect' && String(c.headers['x-asrs-client-query']) === 'user=mover')).connectionId;
    client.ws.send('before');
    expect((await client.next()).data.toString()).toBe('before');

    const next = {
      templates: [
        { hubPattern: 'chat', eventPattern: 'message', urlTemplate: `${second.url}/v2/{hub}/{event}` },
        { urlTemplate: `${pair.upstream.url}/api/messages?event={event}` },
      ],
    };
    const res = await manage(pair.emulator.url, { body: next });
    expect(res.status).toBe(200);
    expect((res.body?.templates as unknown[]).length).toBe(2);
    expect((await manage(pair.emulator.url)).body).toEqual(res.body);

    client.ws.send('after');
    expect((await client.next()).data.toString()).toBe('after');
    const moved = await second.waitForCall((c) => c.connectionId === id);
    expect(moved.url).toBe('/v2/chat/message');
    expect(moved.body.toString()).toBe('after');
    expect(moved.signatureValid).toBe(true);
    expect(pair.upstream.callsOf('message', id).map((c) => c.body.toString())).toEqual(['before']);
    expect(client.closed).toBeUndefined();
    expect(pair.logs.some((l) => l.msg === 'upstream settings changed')).toBe(true);
    // Disconnect matches the second template, so it still goes to the first upstream.
    client.ws.close();
    await pair.upstream.waitForCall((c) => c.event === 'disconnect' && c.connectionId === id);
  });

  it.each([
    [{ templates: [{ hubPattern: 'chat' }] }, 'templates[0].urlTemplate'],
    [{ templates: [{ urlTemplate: 'http://a/' }, { urlTemplate: 'ftp://b/{event}' }] }, 'templates[1].urlTemplate'],
    [{ templates: [{ urlTemplate: 'http://a/{user}' }] }, 'templates[0].urlTemplate'],
    [{ templates: [{ urlTemplate: 'http://a/', priority: 1 }] }, 'templates[0].priority'],
    [{ templates: [], extra: true }, 'extra'],
    [{ rules: [] }, 'rules'],
    ['{ not json', 'body'],
  ])('refuses %j with 400 naming %s, and nothing changes', async (body, field) => {
    const before = (await manage(pair.emulator.url)).body;
    const res = await manage(pair.emulator.url, { body });
    expect(res.status).toBe(400);
    expect(res.body?.code).toBe('SIGNALR_SETTINGS_INVALID');
    expect(res.body?.field).toBe(field);
    expect(String(res.body?.message)).toContain(field);
    expect((await manage(pair.emulator.url)).body).toEqual(before);
    // Still in force: a message reaches the first upstream.
    const client = await openClient(`${pair.ws}/ws/client/hubs/chat`);
    client.ws.send('still-here');
    expect((await client.next()).data.toString()).toBe('still-here');
    client.ws.close();
  });

  it('refuses forged, expired, wrong-audience and missing tokens with 401, for GET and POST', async () => {
    const url = `${pair.emulator.url}${PATH}`;
    const noPort = `http://127.0.0.1${PATH}`;
    const bad = {
      forged: await restToken(url, 'a-key-this-service-does-not-have'),
      expired: await restToken(url, PRIMARY, { expSeconds: -30 }),
      audience: await restToken(url, PRIMARY, { aud: 'http://127.0.0.1/ws/api/v1/hubs/chat' }),
      noExp: await restToken(url, PRIMARY, { noExp: true }),
      missing: null,
    };
    for (const [name, token] of Object.entries(bad)) {
      expect((await manage(pair.emulator.url, { token })).status, `GET ${name}`).toBe(401);
      expect((await manage(pair.emulator.url, { token, body: { templates: [] } })).status, `POST ${name}`).toBe(401);
    }
    expect((await manage(pair.emulator.url)).body).toEqual(original);
    expect((await manage(pair.emulator.url, { token: await restToken(url, PRIMARY, { aud: noPort }) })).status).toBe(200);
    expect((await manage(pair.emulator.url, { token: await restToken(url, SECONDARY) })).status).toBe(200);
  });
});

describe('--persist-settings', () => {
  let emulator: SignalREmulator | undefined;
  afterEach(async () => {
    await emulator?.close();
    emulator = undefined;
  });

  function configFile(): string {
    const dir = mkdtempSync(join(tmpdir(), 'signalr-persist-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ accessKeys: { primary: PRIMARY }, upstream: { templates: [{ urlTemplate: 'http://127.0.0.1:1/old' }] }, limits: { maxFrameBytes: 2048 } }, null, 2));
    return file;
  }

  it('saves an accepted change into the config file, keeping its other fields; a restart starts from it', async () => {
    const file = configFile();
    emulator = await startSignalREmulator({ configPath: file, persistSettingsTo: file, logger: captureLogger().logger });
    const next = { templates: [{ hubPattern: 'chat', urlTemplate: 'http://127.0.0.1:2/new?e={event}' }] };
    expect((await manage(emulator.url, { body: next })).status).toBe(200);
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    expect(saved).toEqual({
      accessKeys: { primary: PRIMARY },
      upstream: { templates: [{ hubPattern: 'chat', categoryPattern: '*', eventPattern: '*', urlTemplate: 'http://127.0.0.1:2/new?e={event}' }] },
      limits: { maxFrameBytes: 2048 },
    });
    // A refused change does not touch the file.
    expect((await manage(emulator.url, { body: { templates: [{}] } })).status).toBe(400);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(saved);
    await emulator.close();
    emulator = await startSignalREmulator({ configPath: file, logger: captureLogger().logger });
    expect(emulator.upstreamSettings()).toEqual(saved.upstream);
  });

  it('without it, changes stay in memory and the file is untouched', async () => {
    const file = configFile();
    const before = readFileSync(file, 'utf8');
    emulator = await startSignalREmulator({ configPath: file, logger: captureLogger().logger });
    expect((await manage(emulator.url, { body: { templates: [] } })).status).toBe(200);
    expect(emulator.upstreamSettings()).toEqual({ templates: [] });
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
