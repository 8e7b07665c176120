import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusClient } from '@azure/service-bus';
import type { FastifyInstance } from 'fastify';
import { request } from 'undici';
import { WEBPUBSUB_EVENT_HANDLER_PATH, type ChatEvent } from '@parley/contracts';
import { createRegistry } from '@parley/service-kit';
import { startServiceBus, type StandIn } from '@parley/testkit';
import { buildApp } from '../../app.js';
import { GatewayErrorCodes } from '../../errors.js';
import { createServiceBusPublisher, type ServiceBusPublisher } from '../../chat-path/servicebus-publisher.js';
import { receiveSession, testBusClient } from '../../testing/bus.js';
import { HANDLER_AUDIENCE, HUB_OBJECT_ID, OTHER_OBJECT_ID, startLocalEntraIssuer, TEST_ISSUER, TEST_TENANT, type LocalEntraIssuer, type TokenShape } from '../../testing/entra-issuer.js';
import { silentLogger, testConfig } from '../../testing/support.js';

/**
 * The Web PubSub event handler under Entra ID (no access key), end to end: a
 * real JWKS on 127.0.0.1, the gateway app over HTTP, the local Service Bus
 * emulator. Forged calls are refused with 401, and the bus proves nothing of
 * them was queued: a marker sent after them is the first message of the
 * connection's session (sessions are FIFO, so anything queued before would come first).
 */
describe('event handler with Entra ID auth: only the hub identity reaches the bus', () => {
  let bus: StandIn;
  let client: ServiceBusClient;
  let publisher: ServiceBusPublisher;
  let app: FastifyInstance;
  let base: string;
  let issuer: LocalEntraIssuer;

  beforeAll(async () => {
    issuer = await startLocalEntraIssuer();
    bus = await startServiceBus();
    client = testBusClient(bus.connectionString);
    const config = testConfig({
      SERVICEBUS_CONNECTION_STRING: bus.connectionString,
      WEBSOCKET_SERVICE: 'webpubsub',
      SIGNALR_CONNECTION_STRING: undefined,
      SIGNALR_SECONDARY_KEY: undefined,
      // Nothing listens there: message events never call the service.
      WEBPUBSUB_ENDPOINT: 'https://parley-test.webpubsub.azure.com',
      WEBPUBSUB_HANDLER_AUDIENCE: HANDLER_AUDIENCE,
      AZURE_TENANT_ID: TEST_TENANT,
      WEBPUBSUB_HANDLER_ISSUERS: TEST_ISSUER,
      WEBPUBSUB_HANDLER_JWKS_URL: issuer.jwksUrl,
      WEBPUBSUB_HANDLER_ALLOWED_OBJECT_IDS: HUB_OBJECT_ID,
    });
    publisher = createServiceBusPublisher({ client, partitions: config.partitions, sendTimeoutMs: config.busSendTimeoutMs, batchMode: config.busBatchMode, logger: silentLogger() });
    await publisher.open();
    app = await buildApp({ publisher, logger: silentLogger(), registry: createRegistry('gateway-int') }, config);
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await publisher?.close().catch(() => undefined);
    await client?.close().catch(() => undefined);
    await bus?.stop();
    await issuer?.close();
  });

  /** A `message` user event as the hub sends it, with `ce-userId` = the victim, carrying the given bearer token. */
  async function postMessage(connectionId: string, token: string | undefined, text: string) {
    const response = await request(`${base}${WEBPUBSUB_EVENT_HANDLER_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'text/plain',
        'ce-specversion': '1.0',
        'ce-awpsversion': '1.0',
        'ce-type': 'azure.webpubsub.user.message',
        'ce-source': `/hubs/chat/client/${connectionId}`,
        'ce-id': '1',
        'ce-time': new Date().toISOString(),
        'ce-hub': 'chat',
        'ce-connectionid': connectionId,
        'ce-userid': 'victim',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: JSON.stringify({ type: 'send', id: text, room: 'general', text }),
    });
    const body = await response.body.text();
    return { status: response.statusCode, json: body ? (JSON.parse(body) as Record<string, unknown>) : undefined };
  }

  it.each<[string, TokenShape]>([
    ['another principal of the same tenant', { claims: { oid: OTHER_OBJECT_ID } }],
    ['a token for another audience', { claims: { aud: 'https://management.azure.com/' } }],
    ['an unsecured token (alg none)', { signing: 'none' }],
    ['an HS256 token keyed with the public key', { signing: 'hs256-public-key' }],
  ])('refuses %s with 401 and queues nothing', async (label, shape) => {
    const connectionId = `forged-${label.replace(/\W+/g, '-')}`;
    const forged = await postMessage(connectionId, await issuer.token(shape), 'forged');
    expect(forged).toMatchObject({ status: 401, json: { code: GatewayErrorCodes.handlerUnauthorized } });

    const marker = await postMessage(connectionId, await issuer.token(), 'marker');
    expect(marker).toMatchObject({ status: 200, json: { type: 'ack', id: 'marker', ok: true } });
    const received = await receiveSession(client, connectionId, { count: 1, waitMs: 20_000 });
    expect(received).toHaveLength(1);
    expect(received[0]!.body as ChatEvent).toMatchObject({ type: 'chat.message', data: { frame: { id: 'marker' } }, metadata: { connectionId, userId: 'victim' } });
  });
});
