import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { signatureHeader, WEBPUBSUB_EVENT_HANDLER_PATH } from '@parley/contracts';
import { eventually } from '@parley/testkit';
import { ChatClient } from './chat-client.js';
import { SERVICE_DIALECTS, type ServiceDialect } from './dialect.js';
import { startTestStack, TWO_OF_EACH, unique } from './e2e-setup.js';
import type { Stack } from './stack.js';

/** A call that claims to come from the WebSocket service, signed with a key it does not have, in each dialect. */
function forgedCall(service: ServiceDialect, gatewayUrl: string, to: string): Promise<Response> {
  const body = JSON.stringify({ type: 'send', id: 'forged-1', to, text: 'forged' });
  const signature = signatureHeader('forged-connection', ['not-the-access-key']);
  if (service === 'webpubsub') {
    return fetch(`${gatewayUrl}${WEBPUBSUB_EVENT_HANDLER_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'text/plain',
        'webhook-request-origin': '127.0.0.1',
        'ce-specversion': '1.0',
        'ce-awpsversion': '1.0',
        'ce-type': 'azure.webpubsub.user.message',
        'ce-hub': 'chat',
        'ce-connectionid': 'forged-connection',
        'ce-userid': 'mallory',
        'ce-signature': signature,
      },
      body,
    });
  }
  return fetch(`${gatewayUrl}/api/messages?event=message`, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain',
      'x-asrs-hub': 'chat',
      'x-asrs-category': 'messages',
      'x-asrs-event': 'message',
      'x-asrs-connection-id': 'forged-connection',
      'x-asrs-user-id': 'mallory',
      'x-asrs-signature': signature,
    },
    body,
  });
}

// The same chat, end to end, on each face of the local WebSocket service, with two copies of every
// service: the gateways behind one round-robin port, so one connection's calls land on both.
describe.each(SERVICE_DIALECTS)('Parley end to end on the %s dialect, two copies of each service (real stack, real WebSockets)', (service) => {
  let stack: Stack;
  let cleanup: () => Promise<void>;
  let logs: string[] = [];
  const clients: ChatClient[] = [];
  const connect = async (name: string) => {
    onTestFailed(() => console.log(logs.filter((line) => /"level":(40|50|60)/.test(line)).slice(-40).join('\n')));
    const client = await ChatClient.connect(stack.gatewayUrl, name);
    clients.push(client);
    // `state` comes once the backend registered the connection (docs/chat-protocol.md § Connecting).
    await client.waitFor((f) => f.type === 'state');
    return client;
  };

  beforeAll(async () => {
    // History paging sends 120 frames at once: lift the per-user rate limit for this stack.
    ({ stack, logs, cleanup } = await startTestStack({ inMemory: true, service, scale: TWO_OF_EACH, env: { gateway: { RATE_LIMIT_PER_SECOND: '500', RATE_LIMIT_BURST: '500' } } }));
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await cleanup?.();
  });

  it('serves /healthz, /readyz and /metrics on each copy\'s ops URL, none on the gateway\'s public port', async () => {
    for (const service of ['gateway', 'chat-worker', 'notifier'] as const) {
      const copies = stack.copies(service);
      expect(copies.map((c) => c.running), `${service} copies`).toEqual([true, true]);
      for (const { copy } of copies) {
        for (const path of ['/healthz', '/readyz', '/metrics']) {
          const response = await fetch(`${stack.opsUrl(service, copy)}${path}`);
          await response.arrayBuffer();
          expect(response.status, `${service} copy ${copy} ${path}`).toBe(200);
        }
      }
    }
    const publicReadyz = await fetch(`${stack.gatewayUrl}/readyz`);
    await publicReadyz.arrayBuffer();
    expect(publicReadyz.status).toBe(404);
  });

  it('delivers a lobby message to two users, after acking it', async () => {
    const alice = await connect(unique('alice'));
    const bob = await connect(unique('bob'));
    await alice.waitFor((f) => f.type === 'state');
    const ack = await alice.request({ type: 'send', id: 'lobby-1', text: 'hello lobby' });
    expect(ack).toMatchObject({ ok: true });
    for (const client of [alice, bob]) {
      const message = await client.waitFor((f) => f.type === 'message' && f.clientId === 'lobby-1' && f.from === alice.user);
      expect(message).toMatchObject({ text: 'hello lobby', from: alice.user });
      expect(message.room).toBeUndefined();
    }
  });

  it('names each user beside their id: in presence, the online list, messages and history (development: the typed name)', async () => {
    // Development sign-in makes the typed name both the id and the display name; the oidc browser spec shows them apart.
    const bob = await connect(unique('bob'));
    const alice = await connect(unique('alice'));
    const presence = await bob.waitFor((f) => f.type === 'presence' && f.user === alice.user && f.online === true);
    expect(presence).toMatchObject({ name: alice.user });
    await alice.request({ type: 'send', id: 'named-1', text: 'who am I' });
    const message = await bob.waitFor((f) => f.type === 'message' && f.clientId === 'named-1');
    expect(message).toMatchObject({ from: alice.user, fromName: alice.user });
    const carol = await connect(unique('carol'));
    const state = carol.frames.find((f) => f.type === 'state');
    expect(state).toMatchObject({ names: expect.objectContaining({ [alice.user]: alice.user, [bob.user]: bob.user }) });
    await carol.request({ type: 'history', id: 'named-h', limit: 50 });
    const history = await carol.waitFor((f) => f.type === 'history' && f.id === 'named-h');
    expect(history.messages).toContainEqual(expect.objectContaining({ clientId: 'named-1', fromName: alice.user }));
  });

  it('runs a room: join, members only, invite, send, leave', async () => {
    const room = unique('dev');
    const alice = await connect(unique('alice'));
    const bob = await connect(unique('bob'));
    const carol = await connect(unique('carol'));
    await alice.request({ type: 'join', id: 'j1', room });
    await alice.waitFor((f) => f.type === 'room' && f.room === room && f.event === 'joined' && f.user === alice.user);

    await bob.request({ type: 'send', id: 'b-early', room, text: 'let me in' });
    const refusal = await bob.waitFor((f) => f.type === 'error' && f.id === 'b-early');
    expect(refusal.error).toMatchObject({ code: 'PARLEY_NOT_MEMBER' });

    await alice.request({ type: 'invite', id: 'i1', room, user: bob.user });
    await bob.waitFor((f) => f.type === 'room' && f.room === room && f.event === 'invited' && f.user === bob.user);

    await bob.request({ type: 'send', id: 'b1', room, text: 'thanks for the invite' });
    await alice.waitFor((f) => f.type === 'message' && f.clientId === 'b1' && f.room === room);
    await bob.waitFor((f) => f.type === 'message' && f.clientId === 'b1' && f.room === room);

    await bob.request({ type: 'leave', id: 'l1', room });
    await alice.waitFor((f) => f.type === 'room' && f.room === room && f.event === 'left' && f.user === bob.user);
    await alice.request({ type: 'send', id: 'a-after', room, text: 'bob is gone' });
    await alice.waitFor((f) => f.type === 'message' && f.clientId === 'a-after');
    // Alice got the room message, so the service has fanned it out to every socket it went to;
    // a private message to bob and to carol sent now reaches each socket after anything that did.
    await alice.request({ type: 'send', id: 'marker-bob', to: bob.user, text: 'after the room message' });
    await alice.request({ type: 'send', id: 'marker-carol', to: carol.user, text: 'after the room message' });
    await bob.waitFor((f) => f.type === 'message' && f.clientId === 'marker-bob');
    await carol.waitFor((f) => f.type === 'message' && f.clientId === 'marker-carol');
    expect(bob.messages((f) => f.clientId === 'a-after')).toHaveLength(0);
    expect(carol.messages((f) => f.room === room)).toHaveLength(0);
  });

  it('delivers a private message to its recipient and the sender’s other connections only', async () => {
    const aliceName = unique('alice');
    const alice = await connect(aliceName);
    const aliceTab2 = await connect(aliceName);
    const bob = await connect(unique('bob'));
    const carol = await connect(unique('carol'));
    await alice.request({ type: 'send', id: 'p1', to: bob.user, text: 'just for you' });
    const received = await bob.waitFor((f) => f.type === 'message' && f.clientId === 'p1');
    expect(received).toMatchObject({ from: aliceName, to: bob.user, text: 'just for you' });
    await aliceTab2.waitFor((f) => f.type === 'message' && f.clientId === 'p1');
    await alice.waitFor((f) => f.type === 'message' && f.clientId === 'p1');
    // A wrong delivery of p1 to carol would go through alice's event session and carol's
    // notification session, as this private message to carol does, after it.
    await alice.request({ type: 'send', id: 'p1-marker', to: carol.user, text: 'after p1' });
    await carol.waitFor((f) => f.type === 'message' && f.clientId === 'p1-marker');
    expect(carol.messages((f) => f.clientId === 'p1')).toHaveLength(0);
  });

  it('pages back through 120 messages of a room in order', async () => {
    const room = unique('history');
    const alice = await connect(unique('alice'));
    await alice.request({ type: 'join', id: 'hj', room });
    for (let i = 0; i < 120; i++) alice.send({ type: 'send', id: `h${i}`, room, text: `message ${i}` });
    // Web PubSub delivers a connection's events one after another (each waits for its ack), so on a
    // loaded machine the 120 frames take longer than on the pipelined seed path.
    await eventually(() => alice.messages((f) => f.room === room).length >= 120, '120 room messages', 100_000).catch((error: Error) => {
      throw new Error(`${error.message}; ${alice.messages((f) => f.room === room).length} arrived`);
    });

    const texts: string[] = [];
    let before: string | null = null;
    for (let page = 0; page < 5; page++) {
      const id: string = `hist-${page}`;
      alice.send({ type: 'history', id, room, limit: 50, ...(before ? { before } : {}) });
      const answer = await alice.waitFor((f) => f.type === 'history' && f.id === id);
      const messages = answer.messages as Array<{ text: string }>;
      texts.push(...messages.map((m) => m.text));
      before = answer.next as string | null;
      if (!before) break;
    }
    expect(texts).toEqual(Array.from({ length: 120 }, (_, i) => `message ${119 - i}`));
  });

  it('announces presence on connect and on the last disconnect', async () => {
    const alice = await connect(unique('alice'));
    const daveName = unique('dave');
    const dave = await connect(daveName);
    await alice.waitFor((f) => f.type === 'presence' && f.user === daveName && f.online === true);
    const state = await dave.waitFor((f) => f.type === 'state');
    expect(state.online).toEqual(expect.arrayContaining([alice.user, daveName]));
    await dave.close();
    await alice.waitFor((f) => f.type === 'presence' && f.user === daveName && f.online === false, 20_000);
  });

  it('stores and delivers a frame resent after a reconnect once', async () => {
    const aliceName = unique('alice');
    const bob = await connect(unique('bob'));
    const first = await connect(aliceName);
    await first.request({ type: 'send', id: 'resend-1', to: bob.user, text: 'only once' });
    await first.close();
    const second = await connect(aliceName);
    expect(await second.request({ type: 'send', id: 'resend-1', to: bob.user, text: 'only once' })).toMatchObject({ ok: true });
    await bob.waitFor((f) => f.type === 'message' && f.clientId === 'resend-1');
    second.send({ type: 'history', id: 'rh', with: bob.user, limit: 10 });
    const answer = await second.waitFor((f) => f.type === 'history' && f.id === 'rh');
    // A second delivery of the resend would go through alice's event session and bob's
    // notification session, as this later message does, before it.
    await second.request({ type: 'send', id: 'resend-marker', to: bob.user, text: 'after the resend' });
    await bob.waitFor((f) => f.type === 'message' && f.clientId === 'resend-marker');
    expect((answer.messages as Array<{ clientId: string }>).filter((m) => m.clientId === 'resend-1')).toHaveLength(1);
    expect(bob.rawMessages().filter((f) => f.clientId === 'resend-1')).toHaveLength(1);
  });

  it('refuses a forged upstream call and queues nothing', async () => {
    const bob = await connect(unique('bob'));
    const forged = await forgedCall(service, stack.gatewayUrl, bob.user);
    expect(forged.status).toBe(401);
    // Had the forged call been queued, it would be mallory's event to bob: a real message of
    // mallory's to bob, sent now, takes the same sessions after it.
    const mallory = await connect('mallory');
    await mallory.request({ type: 'send', id: 'after-forged', to: bob.user, text: 'after the forged call' });
    await bob.waitFor((f) => f.type === 'message' && f.clientId === 'after-forged');
    expect(bob.frames.filter((f) => f.type === 'message' && f.clientId === 'forged-1')).toHaveLength(0);
  });
});
