import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openClient } from '../testing/clients.js';
import { startPair, type Pair } from '../testing/emulator.js';
import { defaultHandler } from '../testing/test-upstream.js';
import { freePort, waitFor } from '../testing/wait.js';

describe('message (one POST per frame)', () => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await startPair();
  });
  afterAll(() => pair.close());
  beforeEach(() => {
    pair.upstream.handler = defaultHandler;
  });

  async function connected(user: string) {
    const client = await openClient(`${pair.ws}/ws/client/hubs/chat?user=${user}`);
    const connect = await pair.upstream.waitForCall((c) => c.event === 'connect' && String(c.headers['x-asrs-client-query']).includes(`user=${user}`));
    return { client, id: connect.connectionId };
  }

  it('posts text frames as text/plain and binary frames as application/octet-stream, with the X-ASRS headers', async () => {
    const { client, id } = await connected('m1');
    client.ws.send('{"type":"send","id":"c1","text":"hi"}');
    client.ws.send(Buffer.from([0, 1, 2, 255]));
    const [text, binary] = await waitFor(() => {
      const calls = pair.upstream.callsOf('message', id);
      return calls.length >= 2 && calls;
    });
    expect(text?.headers['content-type']).toBe('text/plain');
    expect(text?.body.toString()).toBe('{"type":"send","id":"c1","text":"hi"}');
    expect(binary?.headers['content-type']).toBe('application/octet-stream');
    expect([...(binary?.body ?? [])]).toEqual([0, 1, 2, 255]);
    for (const call of [text, binary]) {
      expect(call?.url).toBe('/api/messages?event=message');
      expect(call?.headers['x-asrs-hub']).toBe('chat');
      expect(call?.headers['x-asrs-category']).toBe('messages');
      expect(call?.headers['x-asrs-user-id']).toBe('m1');
      expect(call?.signatureValid).toBe(true);
    }
    // The echo comes back, each in its own frame type.
    expect(await client.next()).toEqual({ data: Buffer.from('{"type":"send","id":"c1","text":"hi"}'), binary: false });
    expect(await client.next()).toEqual({ data: Buffer.from([0, 1, 2, 255]), binary: true });
    client.ws.close();
  });

  it('reaches the upstream in frame order and answers in frame order, even when answers take different times', async () => {
    pair.upstream.handler = (call) =>
      call.event === 'message' ? { status: 200, headers: { 'content-type': 'application/json' }, body: call.body, delayMs: Math.floor(Math.random() * 15) } : defaultHandler(call);
    const { client, id } = await connected('m2');
    const sent = Array.from({ length: 40 }, (_, i) => `frame-${i}`);
    for (const frame of sent) client.ws.send(frame);
    await waitFor(() => client.frames.length === sent.length, 15_000, 'all replies');
    expect(pair.upstream.callsOf('message', id).map((c) => c.body.toString())).toEqual(sent);
    expect(client.texts()).toEqual(sent);
    client.ws.close();
  });

  it('delivers answers by content type: JSON and text as text frames, octet-stream as binary', async () => {
    const replies = [
      { 'content-type': 'application/json', body: '{"type":"ack","id":"c1","ok":true}', binary: false },
      { 'content-type': 'text/plain; charset=utf-8', body: 'plain', binary: false },
      { 'content-type': 'application/octet-stream', body: 'bytes', binary: true },
    ];
    let n = 0;
    pair.upstream.handler = (call) => {
      if (call.event !== 'message') return defaultHandler(call);
      const reply = replies[n++ % replies.length];
      return { status: 200, headers: { 'content-type': reply?.['content-type'] ?? '' }, body: reply?.body ?? '' };
    };
    const { client } = await connected('m3');
    for (let i = 0; i < replies.length; i++) client.ws.send(`x${i}`);
    for (const reply of replies) expect(await client.next()).toEqual({ data: Buffer.from(reply.body), binary: reply.binary });
    client.ws.close();
  });

  it('delivers nothing for an empty 2xx body or a non-2xx answer, logs the error, and keeps the connection open', async () => {
    pair.upstream.handler = (call) => {
      if (call.event !== 'message') return defaultHandler(call);
      const text = call.body.toString();
      if (text === 'empty') return { status: 204 };
      if (text === 'fail') return { status: 500, headers: { 'content-type': 'text/plain' }, body: 'boom' };
      if (text === 'bad') return { status: 400, headers: { 'content-type': 'text/plain' }, body: 'no' };
      return { status: 200, headers: { 'content-type': 'text/plain' }, body: `ok:${text}` };
    };
    const { client, id } = await connected('m4');
    client.ws.send('empty');
    client.ws.send('fail');
    client.ws.send('bad');
    client.ws.send('after');
    expect((await client.next()).data.toString()).toBe('ok:after');
    expect(client.frames).toHaveLength(1);
    expect(client.closed).toBeUndefined();
    const warnings = pair.logs.filter((l) => l.connectionId === id && l.code === 'SIGNALR_UPSTREAM_REJECTED');
    expect(warnings.map((l) => l.status)).toEqual([500, 400]);
    client.ws.close();
  });

});

describe('message routing by template', () => {
  let pair: Pair;
  beforeAll(async () => {
    const closedPort = await freePort();
    pair = await startPair({
      templates: (url) => [
        { hubPattern: 'chat', eventPattern: 'connect,disconnect', urlTemplate: `${url}/conn/{hub}/{event}` },
        { hubPattern: 'chat', categoryPattern: 'messages', urlTemplate: `${url}/msg/{category}?hub={hub}` },
        { hubPattern: 'down', categoryPattern: 'messages', urlTemplate: `http://127.0.0.1:${closedPort}/nobody` },
        { urlTemplate: `${url}/fallback?hub={hub}&event={event}` },
      ],
    });
  });
  afterAll(() => pair.close());

  it('sends each event to the first template that matches hub, category and event', async () => {
    const chat = await openClient(`${pair.ws}/ws/client/hubs/chat?user=r1`);
    chat.ws.send('hello');
    await chat.next();
    chat.ws.close();
    const lobby = await openClient(`${pair.ws}/ws/client/hubs/lobby?user=r2`);
    lobby.ws.send('hello');
    await lobby.next();
    lobby.ws.close();
    await waitFor(() => pair.upstream.callsOf('disconnect').length === 2);
    const urls = (hub: string) => pair.upstream.calls.filter((c) => c.headers['x-asrs-hub'] === hub).map((c) => c.url);
    expect(urls('chat')).toEqual(['/conn/chat/connect', '/msg/messages?hub=chat', '/conn/chat/disconnect']);
    expect(urls('lobby')).toEqual(['/fallback?hub=lobby&event=connect', '/fallback?hub=lobby&event=message', '/fallback?hub=lobby&event=disconnect']);
  });

  it('logs an unreachable message upstream and keeps the connection open', async () => {
    const client = await openClient(`${pair.ws}/ws/client/hubs/down?user=r3`);
    const connect = await pair.upstream.waitForCall((c) => c.event === 'connect' && c.headers['x-asrs-hub'] === 'down');
    client.ws.send('one');
    client.ws.send('two');
    await waitFor(() => pair.logs.filter((l) => l.connectionId === connect.connectionId && l.code === 'SIGNALR_UPSTREAM_UNAVAILABLE').length === 2);
    expect(client.closed).toBeUndefined();
    expect(client.frames).toHaveLength(0);
    client.ws.close();
  });
});
