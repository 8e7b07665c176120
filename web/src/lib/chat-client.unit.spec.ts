import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatClient } from './chat-client.js';
import { LOBBY, roomKey } from './keys.js';
import { ScriptedSocket } from './test-socket.js';

function setup() {
  const sockets: ScriptedSocket[] = [];
  let n = 0;
  const fetchFn = vi.fn(async () =>
    new Response(JSON.stringify({ url: `ws://t/ws/client/hubs/chat?access_token=t${sockets.length}`, user: 'alice' }), { status: 200 }),
  );
  const client = new ChatClient({
    name: 'alice',
    fetch: fetchFn,
    createSocket: (url, protocol) => {
      const s = new ScriptedSocket(url, protocol);
      sockets.push(s);
      return s;
    },
    newId: () => `id${++n}`,
    now: () => new Date('2026-01-01T10:00:00.000Z'),
    random: () => 0,
    backoff: { baseMs: 100, maxMs: 1000 },
    historyPageSize: 20,
  });
  const socket = () => sockets.at(-1) as ScriptedSocket;
  const connect = async () => {
    await vi.advanceTimersByTimeAsync(0);
    socket().open();
    socket().receive({ type: 'hello', user: 'alice', connectionId: `conn${sockets.length}` });
  };
  return { client, sockets, fetchFn, socket, connect };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('ChatClient', () => {
  it('negotiates with the name, then asks for the lobby history once open', async () => {
    const t = setup();
    t.client.start();
    expect(t.client.state.link).toBe('connecting');
    await t.connect();
    expect(t.fetchFn).toHaveBeenCalledWith('/api/negotiate', expect.objectContaining({ method: 'POST', body: '{"name":"alice"}' }));
    expect(t.client.state.link).toBe('online');
    expect(t.socket().sent).toEqual([{ type: 'history', id: 'id1', limit: 20 }]);
  });

  it('sends text to the open conversation and follows the ack', async () => {
    const t = setup();
    t.client.start();
    await t.connect();
    expect(t.client.sendText('   ')).toMatch(/Write something/);
    expect(t.client.sendText('hello')).toBeUndefined();
    expect(t.socket().sent.at(-1)).toEqual({ type: 'send', id: 'id2', text: 'hello' });
    expect(t.client.state.conversations[LOBBY]?.lines[0]).toMatchObject({ state: 'pending', text: 'hello' });
    t.socket().receive({ type: 'ack', id: 'id2', ok: true });
    expect(t.client.state.conversations[LOBBY]?.lines[0]).toMatchObject({ state: 'sent' });
  });

  it('joins a room, then asks for its history and older pages on demand', async () => {
    const t = setup();
    t.client.start();
    await t.connect();
    t.client.join(' dev ');
    expect(t.client.state.active).toBe(roomKey('dev'));
    expect(t.socket().sent.slice(1)).toEqual([
      { type: 'join', id: 'id2', room: 'dev' },
      { type: 'history', id: 'id3', room: 'dev', limit: 20 },
    ]);
    t.client.loadOlder(); // still loading: nothing new
    t.socket().receive({ type: 'history', id: 'id3', room: 'dev', next: 'cur', messages: [] });
    t.client.loadOlder();
    expect(t.socket().sent.at(-1)).toEqual({ type: 'history', id: 'id4', room: 'dev', limit: 20, before: 'cur' });
    t.client.sendText('hi all');
    expect(t.socket().sent.at(-1)).toEqual({ type: 'send', id: 'id5', room: 'dev', text: 'hi all' });
  });

  it('creates a private room with private: true on the join frame, and marks it once the server says so', async () => {
    const t = setup();
    t.client.start();
    await t.connect();
    t.client.join('plans', true);
    expect(t.socket().sent[1]).toEqual({ type: 'join', id: 'id2', room: 'plans', private: true });
    expect(t.client.state.conversations[roomKey('plans')]?.private).toBeUndefined();
    t.socket().receive({ type: 'room', room: 'plans', user: t.client.state.me, event: 'joined', private: true });
    expect(t.client.state.conversations[roomKey('plans')]?.private).toBe(true);
  });

  it('after a drop, negotiates again, resends the un-acked message with its id and refreshes history', async () => {
    const t = setup();
    t.client.start();
    await t.connect();
    t.socket().receive({ type: 'history', id: 'id1', next: null, messages: [] });
    t.client.sendText('are you there?');
    t.socket().drop();
    expect(t.client.state.link).toBe('reconnecting');
    expect(t.client.state.conversations[LOBBY]?.lines[0]).toMatchObject({ state: 'pending' });
    await vi.advanceTimersByTimeAsync(100);
    expect(t.fetchFn).toHaveBeenCalledTimes(2);
    t.socket().open();
    expect(t.socket().url).toContain('access_token=t1');
    expect(t.socket().sent).toEqual([
      { type: 'send', id: 'id2', text: 'are you there?' },
      { type: 'history', id: 'id3', limit: 20 },
    ]);
    t.socket().receive({ type: 'ack', id: 'id2', ok: true });
    t.socket().receive({ type: 'message', id: 'm1', clientId: 'id2', from: 'alice', text: 'are you there?', at: '2026-01-01T10:00:01.000Z' });
    t.socket().receive({ type: 'history', id: 'id3', next: null, messages: [
      { type: 'message', id: 'm1', clientId: 'id2', from: 'alice', text: 'are you there?', at: '2026-01-01T10:00:01.000Z' },
    ] });
    expect(t.client.state.conversations[LOBBY]?.lines).toEqual([expect.objectContaining({ id: 'm1', state: 'sent' })]);
  });

  it('shows the messages of a batch frame in order, each as if it had arrived alone', async () => {
    const t = setup();
    t.client.start();
    await t.connect();
    t.socket().receive({ type: 'history', id: 'id1', next: null, messages: [] });
    t.client.sendText('mine');
    const at = (s: number) => `2026-01-01T10:00:0${s}.000Z`;
    t.socket().receive({
      type: 'batch',
      frames: [
        { type: 'message', id: 'm1', clientId: 'b1', from: 'bob', text: 'first', at: at(1) },
        { type: 'ack', id: 'id2', ok: true },
        { type: 'message', id: 'm2', clientId: 'id2', from: 'alice', text: 'mine', at: at(2) },
        { type: 'message', id: 'm3', clientId: 'b2', from: 'bob', text: 'third', at: at(3) },
        // A redelivery inside the batch is dropped by its id, as one arriving alone would be.
        { type: 'message', id: 'm1', clientId: 'b1', from: 'bob', text: 'first', at: at(1) },
      ],
    });
    expect(t.client.state.conversations[LOBBY]?.lines.map((l) => (l.kind === 'message' ? [l.id, l.text, l.state] : l.kind))).toEqual([
      ['m1', 'first', 'sent'],
      ['m2', 'mine', 'sent'],
      ['m3', 'third', 'sent'],
    ]);
  });

  it('notifies subscribers on change and stops cleanly', async () => {
    const t = setup();
    const seen: string[] = [];
    const off = t.client.subscribe((s) => seen.push(s.link));
    t.client.start();
    await t.connect();
    off();
    t.client.stop();
    expect(seen).toContain('online');
    expect(seen).not.toContain('stopped');
    expect(t.client.state.link).toBe('stopped');
  });
});
