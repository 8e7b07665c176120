import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { WebPubSubClient, WebPubSubJsonProtocol, type OnGroupDataMessageArgs, type OnServerDataMessageArgs } from '@azure/web-pubsub-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClient, type TestClient } from '../testing/clients.js';
import { startWpsPair, type WpsPair } from '../testing/web-pubsub.js';
import { waitFor } from '../testing/wait.js';

/**
 * Where Microsoft's own tests of its SDKs look (azure-sdk-for-js
 * sdk/web-pubsub): the answers have to be the service's, not just plausible.
 */
describe('Web PubSub answers as Azure does where Microsoft\'s SDK tests look', () => {
  let pair: WpsPair;
  let service: WebPubSubServiceClient;
  beforeAll(async () => {
    pair = await startWpsPair({ hubs: () => ({}) });
    service = new WebPubSubServiceClient(pair.emulator.webPubSubConnectionString, 'parity', { allowInsecureConnection: true });
  });
  afterAll(() => pair.close());

  async function jsonClient(userId: string, groups: string[] = []): Promise<TestClient> {
    const { url } = await service.getClientAccessToken({ userId, groups });
    const client = await openClient(url, 'json.webpubsub.azure.v1');
    await client.next();
    return client;
  }

  describe('listing a group\'s connections: top caps the total, maxPageSize sizes the pages', () => {
    const cases = [
      { top: 6, maxPageSize: undefined, total: 6, pages: 1 },
      { top: 3, maxPageSize: undefined, total: 3, pages: 1 },
      { top: undefined, maxPageSize: 2, total: 6, pages: 3 },
      { top: 5, maxPageSize: 2, total: 5, pages: 3 },
    ];
    let members: TestClient[] = [];
    beforeAll(async () => {
      members = await Promise.all(['m1', 'm2', 'm3', 'm4', 'm5', 'm6'].map((u) => jsonClient(u, ['six'])));
    });
    afterAll(() => {
      for (const m of members) m.ws.close();
    });

    it.each(cases)('top=$top maxPageSize=$maxPageSize of 6 gives $total in $pages page(s)', async ({ top, maxPageSize, total, pages }) => {
      const sizes: number[] = [];
      const ids = new Set<string>();
      for await (const page of (await service.group('six').listConnections({ top, maxPageSize })).byPage()) {
        sizes.push(page.length);
        for (const c of page) ids.add(c.connectionId);
      }
      expect(sizes.length).toBe(pages);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(total);
      expect(ids.size).toBe(total);
    });
  });

  it('tells a JSON client a REST group send came from the group, and other REST sends from the server', async () => {
    const raw = await jsonClient('raw', ['lobby']);
    await service.group('lobby').sendToAll('to the lobby', { contentType: 'text/plain' });
    await service.sendToUser('raw', { n: 1 });
    await waitFor(() => raw.frames.length >= 3);
    expect(raw.frames.slice(1).map((f) => JSON.parse(f.data.toString()) as unknown)).toEqual([
      { type: 'message', from: 'group', group: 'lobby', dataType: 'text', data: 'to the lobby' },
      { type: 'message', from: 'server', dataType: 'json', data: { n: 1 } },
    ]);
    raw.ws.close();

    // Microsoft's client hands a group send to group-message and the rest to server-message.
    const client = new WebPubSubClient({ getClientAccessUrl: async () => (await service.getClientAccessToken({ userId: 'sdk', groups: ['hall'] })).url }, { protocol: WebPubSubJsonProtocol(), autoRejoinGroups: false });
    const groupMessages: OnGroupDataMessageArgs[] = [];
    const serverMessages: OnServerDataMessageArgs[] = [];
    client.on('group-message', (m) => groupMessages.push(m));
    client.on('server-message', (m) => serverMessages.push(m));
    await client.start();
    try {
      await service.group('hall').sendToAll({ hello: 'hall' });
      await service.sendToUser('sdk', 'marker', { contentType: 'text/plain' });
      await waitFor(() => serverMessages.length === 1);
      expect(groupMessages.map((m) => m.message)).toMatchObject([{ kind: 'groupData', group: 'hall', dataType: 'json', data: { hello: 'hall' } }]);
      expect(serverMessages[0]?.message).toMatchObject({ kind: 'serverData', dataType: 'text', data: 'marker' });
    } finally {
      client.stop();
    }
  });

  it('hands a binary REST group send to the SDK client\'s group-message (as Microsoft\'s client integration spec expects)', async () => {
    const { url } = await service.getClientAccessToken({ userId: 'bin', roles: ['webpubsub.joinLeaveGroup'] });
    const client = new WebPubSubClient(url);
    const received: Uint8Array[] = [];
    client.on('group-message', (m) => {
      if (m.message.group === 'bytes' && m.message.dataType === 'binary') received.push(new Uint8Array(m.message.data as ArrayBuffer));
    });
    await client.start();
    try {
      await client.joinGroup('bytes');
      await service.group('bytes').sendToAll(new Uint8Array([1, 2, 3, 4]).buffer);
      await waitFor(() => received.length === 1);
      expect(received).toEqual([new Uint8Array([1, 2, 3, 4])]);
    } finally {
      client.stop();
    }
  });

  it('refuses an invalid OData filter with the service\'s wording on every operation that takes one', async () => {
    const expected = "Invalid syntax for 'invalid filter': Syntax error at position 14 in 'invalid filter'. (Parameter 'filter')";
    const attempts: (() => Promise<unknown>)[] = [
      () => service.sendToAll('hello', { contentType: 'text/plain', filter: 'invalid filter' }),
      () => service.sendToUser('brian', 'hello', { contentType: 'text/plain', filter: 'invalid filter' }),
      () => service.group('group').sendToAll('hello', { contentType: 'text/plain', filter: 'invalid filter' }),
      () => service.addConnectionsToGroups(['group1', 'group2'], 'invalid filter'),
      () => service.removeConnectionsFromGroups(['group1', 'group2'], 'invalid filter'),
    ];
    for (const attempt of attempts) {
      // As in Microsoft's tests: the RestError's message is the service's JSON body.
      const error = (await attempt().then(() => undefined, (e: unknown) => e)) as { name: string; statusCode: number; message: string } | undefined;
      expect(error?.name).toBe('RestError');
      expect(error?.statusCode).toBe(400);
      expect((JSON.parse(error?.message ?? '{}') as { message?: string }).message).toBe(expected);
    }
  });
});
