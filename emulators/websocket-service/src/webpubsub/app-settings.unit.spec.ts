import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.js';
import { ConfigError } from '../errors.js';
import { resolveHandler } from './routing.js';

function fieldOf(raw: unknown, overrides = {}): string {
  try {
    parseConfig(raw, overrides);
  } catch (error) {
    if (error instanceof ConfigError) return error.field;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const handler = (extra: Record<string, unknown>) => ({ WebPubSub: { Hubs: { chat: { EventHandlers: [{ UrlTemplate: 'http://h/{hub}/{event}', ...extra }] } } } });

describe('Web PubSub settings (Microsoft appsettings.json and Parley config)', () => {
  it('reads handlers with case-insensitive names; the first matching handler wins', () => {
    const config = parseConfig({
      webpubsub: {
        accesskey: 'k',
        hubs: {
          Chat: {
            eventHandlers: [
              { urlTemplate: 'http://a/{hub}/{event}', systemEvents: ['Connect'], eventPattern: 'a,B' },
              { UrlTemplate: 'http://b/{event}', SystemEvents: ['connected', 'disconnected'], EventPattern: '*' },
            ],
          },
        },
      },
    });
    expect(config.accessKeys.primary).toBe('k');
    const s = config.webPubSub;
    expect(resolveHandler(s, 'chat', { system: 'connect' })).toBe('http://a/chat/connect');
    expect(resolveHandler(s, 'CHAT', { user: 'b' })).toBe('http://a/CHAT/b');
    expect(resolveHandler(s, 'chat', { user: 'other' })).toBe('http://b/other');
    expect(resolveHandler(s, 'chat', { system: 'disconnected' })).toBe('http://b/disconnected');
    expect(resolveHandler(s, 'elsewhere', { system: 'connect' })).toBeUndefined();
  });

  it('takes a webPubSub section in Parley\'s own config, and WEBPUBSUB_EVENT_HANDLER_URL for every hub', () => {
    const base = { accessKeys: { primary: 'p'.repeat(20) }, upstream: { templates: [] } };
    const embedded = parseConfig({ ...base, webPubSub: { Hubs: { chat: { EventHandlers: [{ UrlTemplate: 'http://x/{event}', SystemEvents: ['connect'] }] } } } });
    expect(resolveHandler(embedded.webPubSub, 'chat', { system: 'connect' })).toBe('http://x/connect');
    expect(resolveHandler(embedded.webPubSub, 'chat', { user: 'message' })).toBeUndefined();
    const overridden = parseConfig(base, { eventHandlerUrl: 'http://gw/api/{hub}/{event}' });
    expect(resolveHandler(overridden.webPubSub, 'any', { user: 'message' })).toBe('http://gw/api/any/message');
    expect(resolveHandler(overridden.webPubSub, 'any', { system: 'disconnected' })).toBe('http://gw/api/any/disconnected');
    expect(fieldOf(base, { eventHandlerUrl: 'nope' })).toBe('WEBPUBSUB_EVENT_HANDLER_URL');
  });

  it.each([
    [handler({ UrlTemplate: 'ftp://x/{event}' }), 'WebPubSub.Hubs.chat.EventHandlers[0].UrlTemplate'],
    [handler({ UrlTemplate: 'http://x/{category}' }), 'WebPubSub.Hubs.chat.EventHandlers[0].UrlTemplate'],
    [handler({ SystemEvents: ['connnect'] }), 'WebPubSub.Hubs.chat.EventHandlers[0].SystemEvents[0]'],
    [handler({ SystemEvents: 'connect' }), 'WebPubSub.Hubs.chat.EventHandlers[0].SystemEvents'],
    [handler({ EventPattern: 'a,' }), 'WebPubSub.Hubs.chat.EventHandlers[0].EventPattern'],
    [handler({ Auth: {} }), 'WebPubSub.Hubs.chat.EventHandlers[0].Auth'],
    [{ WebPubSub: { AccessKey: 5 } }, 'WebPubSub.AccessKey'],
    [{ WebPubSub: { Hubz: {} } }, 'WebPubSub.Hubz'],
    [{ WebPubSub: { Hubs: { 'bad hub': {} } } }, 'WebPubSub.Hubs.bad hub'],
    [{ WebPubSub: { Hubs: { chat: {}, CHAT: {} } } }, 'WebPubSub.Hubs.CHAT'],
    [{ WebPubSub: [] }, 'WebPubSub'],
  ])('refuses %j naming %s', (raw, field) => {
    expect(fieldOf(raw)).toBe(field);
  });
});
