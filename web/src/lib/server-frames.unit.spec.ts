import { describe, expect, it } from 'vitest';
import { parseServerFrame } from './server-frames.js';

const parse = (v: unknown) => parseServerFrame(JSON.stringify(v));

describe('parseServerFrame', () => {
  it('accepts every frame type of the protocol', () => {
    const frames = [
      { type: 'hello', user: 'alice', connectionId: 'c' },
      { type: 'ack', id: 'c1', ok: true },
      { type: 'ack', id: 'c1', ok: false, error: { code: 'X', message: 'no' } },
      { type: 'message', id: 'm', clientId: 'c1', from: 'bob', room: 'dev', text: 'hi', at: '2026-01-01T00:00:00Z' },
      { type: 'history', id: 'h', room: 'dev', messages: [], next: null },
      { type: 'state', rooms: ['dev'], online: ['alice'] },
      { type: 'presence', user: 'bob', online: false },
      { type: 'room', room: 'dev', user: 'bob', event: 'invited', by: 'alice' },
      { type: 'error', id: 'c1', error: { code: 'PARLEY_NOT_MEMBER', message: 'not a member' } },
    ];
    for (const f of frames) expect(parse(f)).toEqual(f);
  });

  it('refuses what the reducer could not handle', () => {
    expect(parseServerFrame('not json')).toBeUndefined();
    expect(parseServerFrame(new ArrayBuffer(2))).toBeUndefined();
    expect(parse([1])).toBeUndefined();
    expect(parse({ type: 'shout' })).toBeUndefined();
    expect(parse({ type: 'ack', id: 1, ok: true })).toBeUndefined();
    expect(parse({ type: 'message', id: 'm', from: 'bob', text: 3, at: 'x' })).toBeUndefined();
    expect(parse({ type: 'history', messages: [{ id: 'm' }], next: null })).toBeUndefined();
    expect(parse({ type: 'room', room: 'dev', user: 'bob', event: 'kicked' })).toBeUndefined();
    expect(parse({ type: 'state', rooms: 'dev', online: [] })).toBeUndefined();
  });
});
