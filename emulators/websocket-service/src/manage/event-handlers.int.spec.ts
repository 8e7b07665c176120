import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSignalREmulator, type SignalREmulator } from '../index.js';
import { restToken } from '../testing/clients.js';
import { captureLogger, PRIMARY } from '../testing/emulator.js';
import { parseConfig } from '../config.js';
import { MANAGE_EVENT_HANDLERS_PATH } from './event-handlers.js';

async function call(base: string, init: { method?: string; body?: unknown; token?: string | null } = {}) {
  const url = `${base}${MANAGE_EVENT_HANDLERS_PATH}`;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = init.token === undefined ? await restToken(url, PRIMARY) : init.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  const res = await fetch(url, { method: init.method ?? (body ? 'PUT' : 'GET'), headers, body });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

/** The Web PubSub event handlers at run time (what `parley upstream` changes in Web PubSub mode). */
describe('event handlers manage API', () => {
  let emulator: SignalREmulator;
  beforeAll(async () => {
    const config = parseConfig({
      accessKeys: { primary: PRIMARY },
      upstream: { templates: [] },
      webPubSub: { Hubs: { chat: { EventHandlers: [{ UrlTemplate: 'http://127.0.0.1:7071/api/webpubsub/events', SystemEvents: ['connect'], EventPattern: '*' }] } } },
    });
    emulator = await startSignalREmulator({ config, logger: captureLogger().logger });
  });
  afterAll(async () => emulator?.close());

  it('answers the hubs in appsettings.json shape and replaces them as a whole', async () => {
    expect(await call(emulator.url)).toEqual({
      status: 200,
      body: { Hubs: { chat: { EventHandlers: [{ UrlTemplate: 'http://127.0.0.1:7071/api/webpubsub/events', SystemEvents: ['connect'], EventPattern: '*' }] } } },
    });
    const next = { Hubs: { Chat: { EventHandlers: [{ UrlTemplate: 'http://127.0.0.1:9/{hub}/{event}', SystemEvents: ['connect', 'connected', 'disconnected'], EventPattern: 'message' }] } } };
    const put = await call(emulator.url, { body: next });
    expect(put.status).toBe(200);
    expect(await call(emulator.url)).toMatchObject({ body: { Hubs: { chat: { EventHandlers: [{ UrlTemplate: 'http://127.0.0.1:9/{hub}/{event}', EventPattern: 'message' }] } } } });
  });

  it('refuses a bad change naming the field and keeps the handlers in force', async () => {
    const before = await call(emulator.url);
    const bad = await call(emulator.url, { body: { Hubs: { chat: { EventHandlers: [{ UrlTemplate: 'http://x/{nope}' }] } } } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: 'SIGNALR_SETTINGS_INVALID', field: 'Hubs.chat.EventHandlers[0].UrlTemplate' });
    expect((await call(emulator.url, { body: '{"hubs":' })).status).toBe(400);
    expect(await call(emulator.url)).toEqual(before);
  });

  it('needs the access key', async () => {
    expect((await call(emulator.url, { token: null })).status).toBe(401);
  });
});
