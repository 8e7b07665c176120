import { expect } from 'vitest';
import { once } from 'node:events';
import { Limits } from '@parley/contracts';
import { ChatClient } from '@parley/stack';
import { fresh, hostileCase, nothingLeaked, paced, refusedWith, socketOf, type HostileContext } from './harness.js';

/** A valid lobby send of exactly `bytes` UTF-8 bytes and at most 4,000 characters (JSON escapes are 6 bytes a character). */
export function sendFrameOfBytes(id: string, bytes: number): string {
  const overhead = Buffer.byteLength(JSON.stringify({ type: 'send', id, text: '' }));
  const room = bytes - overhead;
  const escaped = Math.max(0, Math.ceil((room - Limits.maxTextChars) / 5));
  const plain = room - 6 * escaped;
  const raw = `{"type":"send","id":"${id}","text":"${'\\u0041'.repeat(escaped)}${'x'.repeat(plain)}"}`;
  if (Buffer.byteLength(raw) !== bytes || escaped + plain > Limits.maxTextChars) throw new Error(`cannot build a ${bytes}-byte frame`);
  return raw;
}

/** Frames a client can send on its own connection: each refused with its code, for its own id. */
export function frameCases(ctx: HostileContext): void {
  const refusedThenNothing = (name: string, asserted: string, raw: () => string | Buffer, ackId: string, code: string, hostileId = ackId) =>
    hostileCase(ctx, name, `${code} for id "${ackId}"; ${asserted}; lobby marker from the same connection`, async () => {
      await refusedWith(ctx.alice, raw(), ackId, code);
      await nothingLeaked(ctx, ctx.alice, [hostileId]);
    });

  refusedThenNothing('text that is not JSON', 'truncated JSON', () => '{"type":"send","id":"nj-1",', '', 'PARLEY_FRAME_NOT_JSON', 'nj-1');
  hostileCase(ctx, 'an empty text frame', 'PARLEY_FRAME_NOT_JSON "frame is empty" for id ""; lobby marker', async () => {
    const error = await refusedWith(ctx.alice, '', '', 'PARLEY_FRAME_NOT_JSON');
    expect(error.message).toMatch(/empty/);
    await nothingLeaked(ctx, ctx.alice, []);
  });
  refusedThenNothing('a JSON array instead of an object', 'array of a send frame', () => '[{"type":"send","id":"arr-1","text":"x"}]', '', 'PARLEY_FRAME_NOT_OBJECT', 'arr-1');
  refusedThenNothing('a frame without an id', 'send without id', () => '{"type":"send","text":"no id"}', '', 'PARLEY_FRAME_MISSING_ID');
  refusedThenNothing('an unknown frame type', 'type "shout"', () => JSON.stringify({ type: 'shout', id: 'unk-1', text: 'x' }), 'unk-1', 'PARLEY_FRAME_UNKNOWN_TYPE');
  refusedThenNothing('a __proto__ key (prototype pollution)', 'top-level __proto__', () => '{"type":"send","id":"proto-1","text":"x","__proto__":{"admin":true}}', 'proto-1', 'PARLEY_FRAME_FORBIDDEN_KEY');
  refusedThenNothing(
    'constructor.prototype nested three levels down',
    'forbidden key found below the top level, before the schema',
    () => '{"type":"send","id":"proto-2","text":"x","room":{"a":{"b":{"constructor":{"prototype":{"admin":true}}}}}}',
    'proto-2',
    'PARLEY_FRAME_FORBIDDEN_KEY',
  );
  hostileCase(ctx, 'deeply nested JSON (5,000 levels) in a known field', 'PARLEY_FRAME_INVALID at /room (not an unknown-field refusal); lobby marker', async () => {
    const nested = '['.repeat(5000) + ']'.repeat(5000);
    const error = await refusedWith(ctx.alice, `{"type":"send","id":"deep-1","text":"x","room":${nested}}`, 'deep-1', 'PARLEY_FRAME_INVALID');
    expect(error.message).toMatch(/\/room/);
    await nothingLeaked(ctx, ctx.alice, ['deep-1']);
  });
  hostileCase(ctx, 'impersonation: a "from" field in a send frame', 'PARLEY_FRAME_INVALID naming /from; lobby marker', async () => {
    const error = await refusedWith(ctx.alice, JSON.stringify({ type: 'send', id: 'imp-1', text: 'I am bob', from: 'bob' }), 'imp-1', 'PARLEY_FRAME_INVALID');
    expect(error.message).toMatch(/from/);
    await nothingLeaked(ctx, ctx.alice, ['imp-1']);
  });
  hostileCase(ctx, 'a send naming both a room and a recipient', 'PARLEY_FRAME_INVALID "either room or to"; lobby marker', async () => {
    const error = await refusedWith(ctx.alice, JSON.stringify({ type: 'send', id: 'both-1', text: 'x', room: 'r', to: 'bob' }), 'both-1', 'PARLEY_FRAME_INVALID');
    expect(error.message).toMatch(/either "room" or "to"/);
    await nothingLeaked(ctx, ctx.alice, ['both-1']);
  });
  hostileCase(ctx, 'a history request naming both a room and a peer', 'PARLEY_FRAME_INVALID "either room or with"; no history answer; lobby marker', async () => {
    const error = await refusedWith(ctx.alice, JSON.stringify({ type: 'history', id: 'hboth-1', room: 'r', with: 'bob' }), 'hboth-1', 'PARLEY_FRAME_INVALID');
    expect(error.message).toMatch(/either "room" or "with"/);
    await nothingLeaked(ctx, ctx.alice, []);
    expect(ctx.alice.frames.filter((f) => f.type === 'history' && f.id === 'hboth-1')).toEqual([]);
  });
  refusedThenNothing('empty text', 'text ""', () => JSON.stringify({ type: 'send', id: 'empty-1', text: '' }), 'empty-1', 'PARLEY_TEXT_EMPTY');
  refusedThenNothing('text of 4,001 characters', 'one character over', () => JSON.stringify({ type: 'send', id: 'long-1', text: '€'.repeat(4001) }), 'long-1', 'PARLEY_TEXT_TOO_LONG');
  refusedThenNothing('a client id of 65 characters', 'id over 64', () => JSON.stringify({ type: 'send', id: 'i'.repeat(65), text: 'x' }), 'i'.repeat(65), 'PARLEY_FRAME_INVALID');
  refusedThenNothing('history with limit 101', 'limit over 100', () => JSON.stringify({ type: 'history', id: 'lim-1', limit: 101 }), 'lim-1', 'PARLEY_FRAME_INVALID');
  refusedThenNothing(
    'header injection in a room name (CR/LF and NUL)',
    'join "dev\\r\\nX-Injected: 1\\u0000"',
    () => JSON.stringify({ type: 'join', id: 'crlf-1', room: 'dev\r\nX-Injected: 1\u0000' }),
    'crlf-1',
    'PARLEY_FRAME_INVALID',
  );
  refusedThenNothing('NUL in a private recipient', 'to "bob\\u0000admin"', () => JSON.stringify({ type: 'send', id: 'nul-1', to: 'bob\u0000admin', text: 'x' }), 'nul-1', 'PARLEY_FRAME_INVALID');
  refusedThenNothing('a binary frame', 'a valid send frame sent as binary', () => Buffer.from(JSON.stringify({ type: 'send', id: 'bin-1', text: 'binary' })), '', 'PARLEY_FRAME_BINARY', 'bin-1');

  hostileCase(ctx, 'a frame over the byte limit by one, and one exactly at it', `PARLEY_FRAME_TOO_LARGE for ${Limits.maxFrameBytes + 1} bytes (id ""); the ${Limits.maxFrameBytes}-byte frame is accepted, shown and stored`, async () => {
    await refusedWith(ctx.alice, sendFrameOfBytes('over-1', Limits.maxFrameBytes + 1), '', 'PARLEY_FRAME_TOO_LARGE');
    const atLimit = sendFrameOfBytes('at-limit-1', Limits.maxFrameBytes);
    const ack = ctx.alice.waitFor((f) => f.type === 'ack' && f.id === 'at-limit-1', 15_000, ctx.alice.frames.length);
    await paced(ctx.alice.user);
    socketOf(ctx.alice).send(atLimit);
    expect(await ack).toMatchObject({ ok: true });
    await ctx.watcher.waitFor((f) => f.type === 'message' && f.clientId === 'at-limit-1');
    await nothingLeaked(ctx, ctx.alice, ['over-1']);
  });

  /** A connection the service closes: the close code, then a new connection of the same user sends the marker. */
  const closedWith = (name: string, code: number, send: (socket: ReturnType<typeof socketOf>) => void, what: string) =>
    hostileCase(ctx, name, `closed with ${code}; ${what}; marker from a new connection of the same user`, async () => {
      const user = fresh('closed');
      const victim = await ChatClient.connect(ctx.stack.gatewayUrl, user);
      const socket = socketOf(victim);
      const closed = once(socket, 'close') as Promise<[number]>;
      send(socket);
      expect((await closed)[0]).toBe(code);
      const again = await ChatClient.connect(ctx.stack.gatewayUrl, user);
      await nothingLeaked(ctx, again, ['huge-1', 'utf8-1']);
      await again.close();
    });
  closedWith('a frame over the service frame limit (1 MB)', 1009, (socket) => socket.send(`{"type":"send","id":"huge-1","text":"${'x'.repeat(1_100_000)}"}`), '1.1 MB text frame');
  closedWith(
    'invalid UTF-8 in a text frame',
    1007,
    (socket) => socket.send(Buffer.concat([Buffer.from('{"type":"send","id":"utf8-1","text":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]), { binary: false }),
    'bytes C3 28 FF in a text frame',
  );
}
