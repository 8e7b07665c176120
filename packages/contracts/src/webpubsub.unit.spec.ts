import { describe, expect, it } from 'vitest';
import { ErrorCodes } from './errors.js';
import {
  parleyEventHandler,
  parseWebPubSubConnect,
  readWebPubSubEvent,
  webPubSubClientAudience,
  webPubSubClientUrl,
  WebPubSubRestPaths,
} from './webpubsub.js';

const base = {
  'ce-awpsversion': '1.0',
  'ce-specversion': '1.0',
  'ce-hub': 'chat',
  'ce-connectionid': 'c1',
  'ce-signature': 'sha256=ab',
  'webhook-request-origin': 'wps.example',
};

describe('readWebPubSubEvent', () => {
  it('reads system and user events', () => {
    const connect = readWebPubSubEvent({ ...base, 'ce-type': 'azure.webpubsub.sys.connect' });
    expect(connect).toEqual({ ok: true, value: { kind: 'connect', eventName: 'connect', hub: 'chat', connectionId: 'c1', signature: 'sha256=ab', origin: 'wps.example' } });
    const message = readWebPubSubEvent({ ...base, 'ce-type': 'azure.webpubsub.user.message', 'ce-userid': 'alice' });
    expect(message.ok && message.value).toMatchObject({ kind: 'user', eventName: 'message', userId: 'alice' });
    const gone = readWebPubSubEvent({ ...base, 'ce-type': 'azure.webpubsub.sys.disconnected' });
    expect(gone.ok && gone.value.kind).toBe('disconnected');
  });

  it('refuses calls that are not Web PubSub events, naming the header', () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ ...base, 'ce-awpsversion': '' }, 'ce-awpsversion'],
      [{ ...base }, 'ce-type'],
      [{ ...base, 'ce-type': 'azure.webpubsub.sys.other' }, 'not a Web PubSub event type'],
      [{ ...base, 'ce-type': 'azure.webpubsub.user.' }, 'not a Web PubSub event type'],
      [{ ...base, 'ce-type': 'azure.webpubsub.sys.connect', 'ce-hub': '' }, 'ce-hub'],
      [{ ...base, 'ce-type': 'azure.webpubsub.sys.connect', 'ce-connectionid': '' }, 'ce-connectionId'],
    ];
    for (const [headers, named] of cases) {
      const read = readWebPubSubEvent(headers);
      expect(read.ok).toBe(false);
      if (!read.ok) {
        expect(read.error.code).toBe(ErrorCodes.headerMissing);
        expect(read.error.message).toContain(named);
      }
    }
  });
});

describe('connect bodies', () => {
  it('accepts the documented shape and an empty body', () => {
    expect(parseWebPubSubConnect({ claims: { sub: ['a'] }, query: {}, subprotocols: ['parley.chat.v1'], clientCertificates: [] }).ok).toBe(true);
    expect(parseWebPubSubConnect(undefined)).toEqual({ ok: true, value: {} });
  });
  it('refuses a wrong shape with a coded error', () => {
    const read = parseWebPubSubConnect({ subprotocols: 'parley.chat.v1' });
    expect(read.ok).toBe(false);
    if (!read.ok) expect(read.error.code).toBe(ErrorCodes.eventBodyInvalid);
  });
});

describe('client URLs, tokens and REST paths', () => {
  it('builds the client URL and audience from http or https', () => {
    expect(webPubSubClientAudience('http://127.0.0.1:8080/', 'chat')).toBe('http://127.0.0.1:8080/client/hubs/chat');
    expect(webPubSubClientUrl('https://x.webpubsub.azure.com', 'chat', 'a.b+c')).toBe('wss://x.webpubsub.azure.com/client/hubs/chat?access_token=a.b%2Bc');
  });
  it('encodes every name and carries the api-version', () => {
    expect(WebPubSubRestPaths.sendToGroup('chat', 'room:a/../b')).toBe('/api/hubs/chat/groups/room%3Aa%2F..%2Fb/:send?api-version=2024-12-01');
    expect(WebPubSubRestPaths.closeConnection('chat', 'c?1', 'bye now')).toBe('/api/hubs/chat/connections/c%3F1?api-version=2024-12-01&reason=bye%20now');
    expect(WebPubSubRestPaths.userGroup('chat', 'al ice', 'g')).toBe('/api/hubs/chat/users/al%20ice/groups/g?api-version=2024-12-01');
  });
  it('points the event handler at the gateway for every event', () => {
    expect(parleyEventHandler('http://127.0.0.1:7071/')).toEqual({
      UrlTemplate: 'http://127.0.0.1:7071/api/webpubsub/events',
      SystemEvents: ['connect', 'connected', 'disconnected'],
      EventPattern: '*',
    });
  });
});
