import { describe, expect, it } from 'vitest';
import { parseServerFrames } from './server-frames.js';

const parse = (v: unknown) => parseServerFrames(JSON.stringify(v));

describe('parseServerFrames', () => {
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
    for (const f of frames) expect(parse(f)).toEqual([f]);
  });

  it('refuses what the reducer could not handle', () => {
    expect(parseServerFrames('not json')).toBeUndefined();
    expect(parseServerFrames(new ArrayBuffer(2))).toBeUndefined();
    expect(parse([1])).toBeUndefined();
    expect(parse({ type: 'shout' })).toBeUndefined();
    expect(parse({ type: 'ack', id: 1, ok: true })).toBeUndefined();
    expect(parse({ type: 'message', id: 'm', from: 'bob', text: 3, at: 'x' })).toBeUndefined();
    expect(parse({ type: 'history', messages: [{ id: 'm' }], next: null })).toBeUndefined();
    expect(parse({ type: 'room', room: 'dev', user: 'bob', event: 'kicked' })).toBeUndefined();
    expect(parse({ type: 'state', rooms: 'dev', online: [] })).toBeUndefined();
  });

  it("unpacks a batch into its frames, in the sender's order", () => {
    const frames = [
      { type: 'message', id: 'm1', clientId: 'c1', from: 'bob', room: 'dev', text: 'one', at: '2026-01-01T00:00:01Z' },
      { type: 'presence', user: 'bob', online: true },
      { type: 'message', id: 'm2', clientId: 'c2', from: 'bob', room: 'dev', text: 'two', at: '2026-01-01T00:00:02Z' },
    ];
    expect(parse({ type: 'batch', frames })).toEqual(frames);
  });

  it("drops a batch's unreadable frames one by one, and a batch with nothing readable", () => {
    const presence = { type: 'presence', user: 'bob', online: true };
    expect(parse({ type: 'batch', frames: [{ type: 'shout' }, presence, { type: 'message', id: 'm' }] })).toEqual([presence]);
    expect(parse({ type: 'batch', frames: [{ type: 'shout' }] })).toBeUndefined();
    expect(parse({ type: 'batch', frames: [] })).toBeUndefined();
    expect(parse({ type: 'batch', frames: 'x' })).toBeUndefined();
    expect(parse({ type: 'batch', frames: [{ type: 'batch', frames: [presence] }] })).toBeUndefined();
  });
});
