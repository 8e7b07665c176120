import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { SignJWT, UnsecuredJWT } from 'jose';
import { CHAT_SUBPROTOCOL, signatureHeader, type ClientFrame } from '@parley/contracts';
import { ChatClient, negotiate, type Stack } from '@parley/stack';
import { startTestStack } from '@parley/stack/e2e';
import { reportRow } from './report.js';

const TOKEN_KEY = 'hostile-suite-token-signing-key-0123456789';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('hostile input against the real stack', () => {
  let stack: Stack;
  let cleanup: () => Promise<void>;
  let alice: ChatClient;
  let watcher: ChatClient;

  beforeAll(async () => {
    ({ stack, cleanup } = await startTestStack({ inMemory: true, env: { gateway: { TOKEN_SIGNING_KEY: TOKEN_KEY } } }));
    alice = await ChatClient.connect(stack.gatewayUrl, 'hostile-alice');
    watcher = await ChatClient.connect(stack.gatewayUrl, 'hostile-watcher');
  });
  afterAll(async () => {
    await alice?.close();
    await watcher?.close();
    await cleanup?.();
  });

  /** Runs one case and records it in the closing table. */
  const hostile = (name: string, body: () => Promise<void>) =>
    it(name, async () => {
      try {
        await body();
        reportRow({ kind: 'hostile', name, ok: true });
      } catch (error) {
        reportRow({ kind: 'hostile', name, ok: false });
        throw error;
      }
    });

  /** Nothing with this client id reached the watcher, and the lobby history holds none. */
  async function expectNothingStored(clientId: string) {
    await sleep(1_000);
    expect(watcher.frames.filter((f) => f.type === 'message' && f.clientId === clientId)).toHaveLength(0);
    const id = `check-${clientId}-${Date.now()}`;
    watcher.send({ type: 'history', id, limit: 100 });
    const answer = await watcher.waitFor((f) => f.type === 'history' && f.id === id);
    expect((answer.messages as Array<{ clientId: string }>).some((m) => m.clientId === clientId)).toBe(false);
  }

  async function upstreamCall(signature: string | undefined) {
    const headers: Record<string, string> = {
      'content-type': 'text/plain',
      'x-asrs-hub': 'chat',
      'x-asrs-category': 'messages',
      'x-asrs-event': 'message',
      'x-asrs-connection-id': 'hostile-connection',
      'x-asrs-user-id': 'mallory',
    };
    if (signature) headers['x-asrs-signature'] = signature;
    const response = await fetch(`${stack.gatewayUrl}/api/messages?event=message`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'send', id: 'forged-upstream', text: 'forged' }),
    });
    return response.status;
  }

  hostile('upstream call with a forged signature', async () => {
    expect(await upstreamCall(signatureHeader('hostile-connection', ['forged-key-forged-key']))).toBe(401);
    await expectNothingStored('forged-upstream');
  });
  hostile('upstream call without a signature', async () => {
    expect(await upstreamCall(undefined)).toBe(401);
  });
  hostile('upstream call signed with a retired key', async () => {
    expect(await upstreamCall(signatureHeader('hostile-connection', ['retired-key-0000000000000000']))).toBe(401);
  });
  hostile('upstream signature of another connection id (replayed header)', async () => {
    const { connectionString } = { connectionString: stack.connectionStrings.signalr ?? '' };
    const key = /AccessKey=([^;]+)/.exec(connectionString)?.[1] ?? '';
    expect(await upstreamCall(signatureHeader('some-other-connection', [key]))).toBe(401);
  });

  async function handshakeStatus(token: string): Promise<number> {
    const url = `ws://127.0.0.1:${stack.ports.signalr}/ws/client/hubs/chat?access_token=${encodeURIComponent(token)}`;
    return new Promise((resolve) => {
      const socket = new WebSocket(url, [CHAT_SUBPROTOCOL]);
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.once('open', () => {
        socket.close();
        resolve(101);
      });
      socket.once('error', () => resolve(-1));
    });
  }
  const sign = (claims: Record<string, unknown>, key = TOKEN_KEY, expiresIn: string | number = '5m') =>
    new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expiresIn).sign(new TextEncoder().encode(key));

  hostile('client token signed with another key', async () => {
    const token = await sign({ sub: 'mallory', iss: 'parley-gateway', aud: 'parley-chat' }, 'another-key-another-key-another-key');
    expect(await handshakeStatus(token)).toBe(401);
  });
  hostile('client token with alg none', async () => {
    const token = new UnsecuredJWT({ sub: 'mallory', iss: 'parley-gateway', aud: 'parley-chat' }).setExpirationTime('5m').encode();
    expect(await handshakeStatus(token)).toBe(401);
  });
  hostile('expired client token', async () => {
    const token = await sign({ sub: 'mallory', iss: 'parley-gateway', aud: 'parley-chat' }, TOKEN_KEY, Math.floor(Date.now() / 1000) - 60);
    expect(await handshakeStatus(token)).toBe(401);
  });
  hostile('client token for another audience', async () => {
    const token = await sign({ sub: 'mallory', iss: 'parley-gateway', aud: 'someone-else' });
    expect(await handshakeStatus(token)).toBe(401);
  });
  hostile('missing client token', async () => {
    expect(await handshakeStatus('')).toBe(401);
  });
  hostile('a correctly signed token is accepted (control case)', async () => {
    expect(await handshakeStatus(await sign({ sub: 'hostile-control', iss: 'parley-gateway', aud: 'parley-chat' }))).toBe(101);
  });

  const refusedWith = async (raw: string | Buffer, id: string, code: string) => {
    const ack = alice.waitFor((f) => f.type === 'ack' && f.ok === false && (f.id === id || id === ''), 15_000, alice.frames.length);
    (alice as unknown as { socket: WebSocket }).socket.send(raw);
    expect((await ack).error).toMatchObject({ code });
    if (id) await expectNothingStored(id);
  };

  hostile('frame over the byte cap', async () => {
    await refusedWith(JSON.stringify({ type: 'send', id: 'big-1', text: 'x'.repeat(20_000) }), '', 'PARLEY_FRAME_TOO_LARGE');
    await expectNothingStored('big-1');
  });
  hostile('frame over the service frame limit (1 MB) closes with 1009', async () => {
    const victim = await ChatClient.connect(stack.gatewayUrl, 'hostile-huge');
    const socket = (victim as unknown as { socket: WebSocket }).socket;
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send('x'.repeat(1_100_000));
    expect(await closed).toBe(1009);
  });
  // parley.chat.v1 is JSON text frames: the gateway refuses every binary frame, invalid UTF-8 or not.
  hostile('binary frame with invalid UTF-8', async () => {
    await refusedWith(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), '', 'PARLEY_FRAME_BINARY');
  });
  hostile('binary frame holding a valid send frame', async () => {
    await refusedWith(Buffer.from(JSON.stringify({ type: 'send', id: 'bin-1', text: 'binary' })), '', 'PARLEY_FRAME_BINARY');
    await expectNothingStored('bin-1');
  });
  hostile('text that is not JSON', async () => {
    await refusedWith('{"type":"send","id":"nj-1",', '', 'PARLEY_FRAME_NOT_JSON');
  });
  hostile('deeply nested JSON', async () => {
    const nested = '['.repeat(5000) + ']'.repeat(5000);
    await refusedWith(`{"type":"send","id":"deep-1","text":"x","extra":${nested}}`, 'deep-1', 'PARLEY_FRAME_INVALID');
  });
  hostile('unknown frame type', async () => {
    await refusedWith(JSON.stringify({ type: 'shout', id: 'unk-1', text: 'x' }), 'unk-1', 'PARLEY_FRAME_UNKNOWN_TYPE');
  });
  hostile('prototype pollution keys', async () => {
    await refusedWith('{"type":"send","id":"proto-1","text":"x","__proto__":{"admin":true}}', 'proto-1', 'PARLEY_FRAME_FORBIDDEN_KEY');
  });
  hostile('control characters in a room name', async () => {
    await refusedWith(JSON.stringify({ type: 'join', id: 'ctl-1', room: 'a\u0001b' }), 'ctl-1', 'PARLEY_FRAME_INVALID');
  });
  hostile('control characters in a user name at negotiate', async () => {
    await expect(negotiate(stack.gatewayUrl, 'bad\u0000name')).rejects.toThrow(/400/);
  });

  hostile('HTML and script in text travel as text, unchanged', async () => {
    const text = '<img src=x onerror=alert(1)><script>alert(2)</script>';
    await alice.request({ type: 'send', id: 'html-1', text });
    const received = await watcher.waitFor((f) => f.type === 'message' && f.clientId === 'html-1');
    expect(received.text).toBe(text);
  });

  hostile('room names with ../, %2F, ? and # stay separate rooms (no path confusion)', async () => {
    const outsider = await ChatClient.connect(stack.gatewayUrl, 'hostile-outsider');
    await outsider.request({ type: 'join', id: 'o-join', room: 'admin' });
    await outsider.waitFor((f) => f.type === 'room' && f.room === 'admin' && f.event === 'joined');
    for (const room of ['../admin', 'x/../admin', 'admin%2F..', 'admin?x=1', 'admin#frag']) {
      const id = `join-${room}`;
      await alice.request({ type: 'join', id, room });
      await alice.waitFor((f) => f.type === 'room' && f.room === room && f.event === 'joined');
      const sendId = `in-${room}`;
      await alice.request({ type: 'send', id: sendId, room, text: `to ${room}` } as ClientFrame);
      const delivered = await alice.waitFor((f) => f.type === 'message' && f.clientId === sendId);
      expect(delivered.room).toBe(room);
    }
    await sleep(1_000);
    expect(outsider.messages().filter((f) => String(f.clientId).startsWith('in-'))).toHaveLength(0);
    await outsider.close();
  });

  hostile('user names with ../, %2F, ? and # address only that user', async () => {
    const plain = await ChatClient.connect(stack.gatewayUrl, 'bob');
    const tricky = await ChatClient.connect(stack.gatewayUrl, '../bob?x#y%2F');
    // Registered (state sent) before anyone writes to them.
    await Promise.all([plain, tricky].map((client) => client.waitFor((f) => f.type === 'state')));
    await alice.request({ type: 'send', id: 'dm-tricky', to: '../bob?x#y%2F', text: 'for the tricky one' });
    await tricky.waitFor((f) => f.type === 'message' && f.clientId === 'dm-tricky');
    await sleep(1_000);
    expect(plain.messages((f) => f.clientId === 'dm-tricky')).toHaveLength(0);
    await plain.close();
    await tricky.close();
  });

  hostile('a flood from one user is rate limited and others are unaffected', async () => {
    const flooder = await ChatClient.connect(stack.gatewayUrl, 'hostile-flooder');
    const bystander = await ChatClient.connect(stack.gatewayUrl, 'hostile-bystander');
    const acks = Array.from({ length: 60 }, (_, i) => flooder.request({ type: 'send', id: `flood-${i}`, text: `flood ${i}` }, 30_000));
    const bystanderAcks = Array.from({ length: 5 }, (_, i) => bystander.request({ type: 'send', id: `calm-${i}`, text: `calm ${i}` }, 30_000));
    const flooded = await Promise.all(acks);
    const limited = flooded.filter((ack) => ack.ok === false && (ack.error as { code: string }).code === 'PARLEY_RATE_LIMITED');
    expect(limited.length).toBeGreaterThan(0);
    for (const ack of await Promise.all(bystanderAcks)) expect(ack.ok).toBe(true);
    for (let i = 0; i < 5; i++) await watcher.waitFor((f) => f.type === 'message' && f.clientId === `calm-${i}`);
    const limitedId = String(limited[0]!.id);
    await expectNothingStored(limitedId);
    await flooder.close();
    await bystander.close();
  });
});
