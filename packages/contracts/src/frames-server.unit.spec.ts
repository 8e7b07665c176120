import { describe, expect, it } from 'vitest';
import { ErrorCodes } from './errors.js';
import { batchFrameText, parseServerFrames, unpackServerFrames, type MessageFrame, type ServerFrame } from './frames-server.js';

const message = (id: string, text: string): MessageFrame => ({ type: 'message', id, clientId: `c-${id}`, from: 'bob', room: 'dev', text, at: '2026-01-01T00:00:00.000Z' });
const presence: ServerFrame = { type: 'presence', user: 'bob', online: false };

describe('parseServerFrames reads one server text frame', () => {
  const singles: ServerFrame[] = [
    { type: 'hello', user: 'alice', connectionId: 'c' },
    { type: 'ack', id: 'c1', ok: true },
    message('m1', 'hi'),
    { type: 'history', id: 'h', room: 'dev', messages: [message('m1', 'hi')], next: null },
    { type: 'state', rooms: ['dev'], online: ['alice'] },
    presence,
    { type: 'room', room: 'dev', user: 'bob', event: 'joined' },
    { type: 'error', id: 'c1', error: { code: 'PARLEY_NOT_MEMBER', message: 'not a member' } },
  ];
  // Display names ride beside the ids, optional, so a frame without them (an older backend) stays valid.
  const named: ServerFrame[] = [
    { ...message('m2', 'hi'), fromName: 'Bob Builder' },
    { type: 'state', rooms: [], online: ['alice', 'bob'], names: { bob: 'Bob Builder' } },
    { type: 'presence', user: 'bob', online: true, name: 'Bob Builder' },
    { type: 'room', room: 'dev', user: 'bob', userName: 'Bob Builder', event: 'joined' },
    { type: 'room', room: 'dev', user: 'carol', event: 'invited', by: 'bob', byName: 'Bob Builder' },
  ];
  it.each(named.map((frame) => [frame.type, frame] as const))('a %s frame with display names', (_type, frame) => {
    expect(parseServerFrames(JSON.stringify(frame))).toEqual({ ok: true, value: [frame] });
  });
  it.each(singles.map((frame) => [frame.type, frame] as const))('a single %s frame as a list of one', (_type, frame) => {
    expect(parseServerFrames(JSON.stringify(frame))).toEqual({ ok: true, value: [frame] });
  });

  it("unpacks a batch into its frames, in the sender's order", () => {
    const frames = [message('m1', 'one'), presence, message('m2', 'two')];
    expect(parseServerFrames(JSON.stringify({ type: 'batch', frames }))).toEqual({ ok: true, value: frames });
  });

  it('reads what batchFrameText writes from the frames as text', () => {
    const frames = [message('m1', 'é "quoted"'), message('m2', '😀')];
    const text = batchFrameText(frames.map((frame) => JSON.stringify(frame)));
    expect(JSON.parse(text)).toEqual({ type: 'batch', frames });
    expect(parseServerFrames(text)).toEqual({ ok: true, value: frames });
  });

  const refusals: Array<[string, string, string]> = [
    ['text that is not JSON', '{"type":"batch",', ErrorCodes.frameNotJson],
    ['an array', JSON.stringify([message('m1', 'x')]), ErrorCodes.frameNotObject],
    ['an empty batch', JSON.stringify({ type: 'batch', frames: [] }), ErrorCodes.frameInvalid],
    ['a batch inside a batch', JSON.stringify({ type: 'batch', frames: [{ type: 'batch', frames: [presence] }] }), ErrorCodes.frameInvalid],
    ['a batch with an invalid frame', JSON.stringify({ type: 'batch', frames: [presence, { type: 'message', id: 'm' }] }), ErrorCodes.frameInvalid],
    ['a batch without frames', JSON.stringify({ type: 'batch' }), ErrorCodes.frameInvalid],
    ['an unknown type', JSON.stringify({ type: 'shout' }), ErrorCodes.frameInvalid],
  ];
  it.each(refusals)('refuses %s', (_what, raw, code) => {
    const result = parseServerFrames(raw);
    expect(result.ok ? undefined : result.error.code).toBe(code);
  });
});

describe('unpackServerFrames (lenient, for clients reading plain records)', () => {
  it("gives a batch's frames in order and anything else as itself", () => {
    expect(unpackServerFrames({ type: 'batch', frames: [presence, message('m1', 'x')] })).toEqual([presence, message('m1', 'x')]);
    expect(unpackServerFrames(presence)).toEqual([presence]);
    expect(unpackServerFrames({ type: 'batch' })).toEqual([{ type: 'batch' }]);
    expect(unpackServerFrames(null)).toEqual([null]);
  });
});
