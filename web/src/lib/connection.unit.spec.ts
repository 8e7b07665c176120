import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatConnection, type ConnectionStatus } from './connection.js';
import { WebError, WebErrorCodes } from './errors.js';
import { ScriptedSocket } from './test-socket.js';

function setup(negotiate = vi.fn(async () => ({ url: `ws://t/ws?access_token=${Math.random()}`, user: 'alice' }))) {
  const sockets: ScriptedSocket[] = [];
  const statuses: ConnectionStatus[] = [];
  const frames: unknown[] = [];
  const opens: boolean[] = [];
  const connection = new ChatConnection(
    {
      negotiate,
      createSocket: (url, protocol) => {
        const s = new ScriptedSocket(url, protocol);
        sockets.push(s);
        return s;
      },
      random: () => 0.5,
      backoff: { baseMs: 100, maxMs: 1000 },
      ackTimeoutMs: 10_000,
    },
    { onFrame: (f) => frames.push(f), onStatus: (s) => statuses.push(s), onOpen: (r) => opens.push(r) },
  );
  const latest = () => sockets.at(-1) as ScriptedSocket;
  return { connection, sockets, statuses, frames, opens, negotiate, latest };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('ChatConnection', () => {
  it('negotiates, then opens the socket with the chat subprotocol', async () => {
    const t = setup();
    t.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.negotiate).toHaveBeenCalledTimes(1);
    expect(t.latest().protocol).toBe('parley.chat.v1');
    t.latest().open();
    expect(t.connection.isOpen).toBe(true);
    expect(t.statuses.at(-1)).toEqual({ kind: 'open' });
    expect(t.opens).toEqual([false]);
  });

  it('queues durable frames while closed and sends them in order on open', async () => {
    const t = setup();
    t.connection.start();
    expect(t.connection.send({ type: 'send', id: 'c1', text: 'a' })).toBe(false);
    expect(t.connection.send({ type: 'join', id: 'c2', room: 'dev' })).toBe(false);
    expect(t.connection.send({ type: 'history', id: 'h1' })).toBe(false);
    await vi.advanceTimersByTimeAsync(0);
    t.latest().open();
    expect(t.latest().sent).toEqual([
      { type: 'send', id: 'c1', text: 'a' },
      { type: 'join', id: 'c2', room: 'dev' },
    ]);
  });

  it('reconnects with growing, jittered delays, negotiating each time, and resends un-acked frames with the same ids', async () => {
    const t = setup();
    t.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    t.latest().open();
    t.connection.send({ type: 'send', id: 'c1', text: 'acked' });
    t.connection.send({ type: 'send', id: 'c2', text: 'lost' });
    t.latest().receive({ type: 'ack', id: 'c1', ok: true });
    expect(t.connection.pendingIds()).toEqual(['c2']);

    t.latest().drop();
    // random() = 0.5 with equal jitter: 3/4 of the window. Window 100, then 200.
    expect(t.statuses.at(-1)).toMatchObject({ kind: 'waiting', retryInMs: 75, attempt: 0 });
    await vi.advanceTimersByTimeAsync(74);
    expect(t.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.sockets).toHaveLength(2);
    t.latest().drop();
    expect(t.statuses.at(-1)).toMatchObject({ kind: 'waiting', retryInMs: 150, attempt: 1 });
    await vi.advanceTimersByTimeAsync(150);
    expect(t.negotiate).toHaveBeenCalledTimes(3);
    t.latest().open();
    expect(t.latest().sent).toEqual([{ type: 'send', id: 'c2', text: 'lost' }]);
    expect(t.opens).toEqual([false, true]);
    // A successful open resets the back-off.
    t.latest().drop();
    expect(t.statuses.at(-1)).toMatchObject({ retryInMs: 75, attempt: 0 });
  });

  it('writes a frame again, same id, when its ack is overdue on an open socket', async () => {
    const t = setup();
    t.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    t.latest().open();
    t.connection.send({ type: 'send', id: 'c1', text: 'lost upstream' });
    await vi.advanceTimersByTimeAsync(4_000);
    t.connection.send({ type: 'send', id: 'c2', text: 'acked' });
    t.latest().receive({ type: 'ack', id: 'c2', ok: true });
    await vi.advanceTimersByTimeAsync(5_999);
    expect(t.latest().sent.map((f) => (f as { id: string }).id)).toEqual(['c1', 'c2']);
    await vi.advanceTimersByTimeAsync(5_001);
    expect(t.latest().sent.map((f) => (f as { id: string }).id)).toEqual(['c1', 'c2', 'c1']);
    t.latest().receive({ type: 'ack', id: 'c1', ok: true });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.latest().sent).toHaveLength(3);
  });

  it('caps the delay', async () => {
    const t = setup(vi.fn(async () => {
      throw new WebError(WebErrorCodes.negotiateFailed, 'down', true);
    }));
    t.connection.start();
    for (let i = 0; i < 8; i++) await vi.advanceTimersByTimeAsync(2000);
    const waits = t.statuses.filter((s) => s.kind === 'waiting').map((s) => (s.kind === 'waiting' ? s.retryInMs : 0));
    expect(Math.max(...waits)).toBe(750);
    expect(t.sockets).toHaveLength(0);
  });

  it('stops for good when the gateway refuses the name', async () => {
    const t = setup(vi.fn(async () => {
      throw new WebError(WebErrorCodes.negotiateRejected, 'sign-in refused (400)', false);
    }));
    t.connection.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.negotiate).toHaveBeenCalledTimes(1);
    expect(t.statuses.at(-1)).toEqual({
      kind: 'stopped',
      error: { code: 'PARLEY_WEB_NEGOTIATE_REJECTED', message: 'sign-in refused (400)' },
    });
  });

  it('stops for good, saying why, when the server refuses the connection past the user\'s cap', async () => {
    const t = setup();
    t.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    t.latest().open();
    const refusal = { code: 'PARLEY_TOO_MANY_CONNECTIONS', message: 'alice already has 32 open connections (at most 32)' };
    t.latest().receive({ type: 'error', id: '', error: refusal });
    expect(t.frames.at(-1)).toEqual({ type: 'error', id: '', error: refusal });
    expect(t.statuses.at(-1)).toEqual({ kind: 'stopped', error: refusal });
    expect(t.latest().closedWith).toEqual({ code: 1000, reason: 'bye' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.negotiate).toHaveBeenCalledTimes(1);
  });

  it('stops too when only the close says so (its error frame was lost)', async () => {
    const t = setup();
    t.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    t.latest().open();
    t.latest().drop(1008, 'PARLEY_TOO_MANY_CONNECTIONS: at most 32');
    expect(t.statuses.at(-1)).toEqual({ kind: 'stopped', error: { code: 'PARLEY_TOO_MANY_CONNECTIONS', message: 'at most 32' } });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.negotiate).toHaveBeenCalledTimes(1);
  });

  it('ignores events of a socket it has replaced, and unreadable frames', async () => {
    const t = setup();
    t.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    const first = t.latest();
    first.open();
    const handler = first.onmessage;
    first.drop();
    await vi.advanceTimersByTimeAsync(1000);
    t.latest().open();
    handler?.({ data: JSON.stringify({ type: 'hello', user: 'ghost', connectionId: 'old' }) });
    t.latest().onmessage?.({ data: 'not json' });
    t.latest().receive({ type: 'presence', user: 'bob', online: true });
    expect(t.frames).toEqual([{ type: 'presence', user: 'bob', online: true }]);
  });

  it('retryNow skips the wait; stop closes and stays stopped', async () => {
    const t = setup();
    t.connection.start();
    await vi.advanceTimersByTimeAsync(0);
    t.latest().drop();
    t.connection.retryNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.sockets).toHaveLength(2);
    t.latest().open();
    t.connection.stop();
    expect(t.latest().closedWith).toEqual({ code: 1000, reason: 'bye' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.sockets).toHaveLength(2);
    expect(t.statuses.at(-1)).toEqual({ kind: 'stopped' });
  });
});
