import { describe, expect, it } from 'vitest';
import { ErrorCodes } from './errors.js';
import { Limits, parseClientFrame } from './frames-client.js';

const parse = (value: unknown) => parseClientFrame(typeof value === 'string' ? value : JSON.stringify(value));

describe('parseClientFrame accepts every frame type of parley.chat.v1', () => {
  it.each([
    { type: 'send', id: 'c1', text: 'hi' },
    { type: 'send', id: 'c2', room: 'dev', text: 'hi' },
    { type: 'send', id: 'c3', to: 'bob', text: 'hi' },
    { type: 'join', id: 'c4', room: 'dev' },
    { type: 'join', id: 'c4p', room: 'secret', private: true },
    { type: 'join', id: 'c4q', room: 'open', private: false },
    { type: 'leave', id: 'c5', room: 'dev' },
    { type: 'invite', id: 'c6', room: 'dev', user: 'bob' },
    { type: 'history', id: 'c7', room: 'dev', before: 'cursor', limit: 50 },
    { type: 'history', id: 'c8', with: 'bob' },
    { type: 'history', id: 'c9', before: null },
  ])('%o', (frame) => {
    const result = parse(frame);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value).toEqual(frame);
  });

  it('accepts text of exactly 4,000 characters, counting astral characters once', () => {
    expect(parse({ type: 'send', id: 'a', text: 'x'.repeat(4000) }).ok).toBe(true);
    expect(parse({ type: 'send', id: 'b', text: '😀'.repeat(4000) }).ok).toBe(true);
  });

  it('accepts room and user names that need URL encoding', () => {
    expect(parse({ type: 'join', id: 'a', room: '../%2F?#x' }).ok).toBe(true);
  });

  it('accepts a UTF-8 binary frame', () => {
    expect(parseClientFrame(Buffer.from(JSON.stringify({ type: 'send', id: 'x', text: 'héllo' }))).ok).toBe(true);
  });
});

describe('parseClientFrame refuses malformed frames with the right code', () => {
  const cases: Array<[string, unknown, string]> = [
    ['missing id', { type: 'send', text: 'hi' }, ErrorCodes.frameMissingId],
    ['empty id', { type: 'send', id: '', text: 'hi' }, ErrorCodes.frameMissingId],
    ['numeric id', { type: 'send', id: 7, text: 'hi' }, ErrorCodes.frameMissingId],
    ['empty text', { type: 'send', id: 'c1', text: '' }, ErrorCodes.textEmpty],
    ['blank text', { type: 'send', id: 'c1', text: '   \n' }, ErrorCodes.textEmpty],
    ['text over 4,000 characters', { type: 'send', id: 'c1', text: 'x'.repeat(4001) }, ErrorCodes.textTooLong],
    ['unknown type', { type: 'shout', id: 'c1', text: 'hi' }, ErrorCodes.frameUnknownType],
    ['missing type', { id: 'c1', text: 'hi' }, ErrorCodes.frameUnknownType],
    ['text of the wrong type', { type: 'send', id: 'c1', text: 42 }, ErrorCodes.frameInvalid],
    ['room of the wrong type', { type: 'join', id: 'c1', room: ['dev'] }, ErrorCodes.frameInvalid],
    ['limit of the wrong type', { type: 'history', id: 'c1', limit: '50' }, ErrorCodes.frameInvalid],
    ['limit out of range', { type: 'history', id: 'c1', limit: 1000 }, ErrorCodes.frameInvalid],
    ['unknown field', { type: 'join', id: 'c1', room: 'dev', admin: true }, ErrorCodes.frameInvalid],
    ['private of the wrong type', { type: 'join', id: 'c1', room: 'dev', private: 'yes' }, ErrorCodes.frameInvalid],
    ['private on an invite', { type: 'invite', id: 'c1', room: 'dev', user: 'bob', private: true }, ErrorCodes.frameInvalid],
    ['invite without user', { type: 'invite', id: 'c1', room: 'dev' }, ErrorCodes.frameInvalid],
    ['room and to together', { type: 'send', id: 'c1', room: 'dev', to: 'bob', text: 'x' }, ErrorCodes.frameInvalid],
    ['control characters in a room name', { type: 'join', id: 'c1', room: 'a\u0000b' }, ErrorCodes.frameInvalid],
    ['a room name over 64 characters', { type: 'join', id: 'c1', room: 'r'.repeat(65) }, ErrorCodes.frameInvalid],
    ['an array', [1, 2], ErrorCodes.frameNotObject],
    ['null', null, ErrorCodes.frameNotObject],
  ];
  it.each(cases)('%s', (_name, frame, code) => {
    const result = parse(frame);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it('refuses text that is not JSON', () => {
    const result = parseClientFrame('{"type":"send",');
    expect(result.ok ? undefined : result.error.code).toBe(ErrorCodes.frameNotJson);
  });

  it('refuses invalid UTF-8 in a binary frame', () => {
    const result = parseClientFrame(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]));
    expect(result.ok ? undefined : result.error.code).toBe(ErrorCodes.frameNotJson);
  });

  it('refuses an oversized payload before parsing it', () => {
    const big = JSON.stringify({ type: 'send', id: 'c1', text: 'x'.repeat(Limits.maxFrameBytes) });
    const result = parseClientFrame(big);
    expect(result.ok ? undefined : result.error.code).toBe(ErrorCodes.frameTooLarge);
    const bytes = parseClientFrame(Buffer.from(big));
    expect(bytes.ok ? undefined : bytes.error.code).toBe(ErrorCodes.frameTooLarge);
  });

  it('counts the byte cap in UTF-8 bytes, not characters', () => {
    const text = 'é'.repeat(3000); // 3,000 characters, 6,000 bytes
    expect(parseClientFrame(JSON.stringify({ type: 'send', id: 'c1', text }), 5000).ok).toBe(false);
  });

  it.each(['__proto__', 'constructor', 'prototype'])('refuses the key %s, also nested', (key) => {
    const top = parse(`{"type":"send","id":"c1","text":"hi","${key}":{"polluted":true}}`);
    expect(top.ok ? undefined : top.error.code).toBe(ErrorCodes.frameForbiddenKey);
    const nested = parse(`{"type":"send","id":"c1","text":"hi","x":{"${key}":1}}`);
    expect(nested.ok ? undefined : nested.error.code).toBe(ErrorCodes.frameForbiddenKey);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(top.clientId).toBe('c1');
  });

  it('returns the client id with the error so the ack can name the frame', () => {
    const result = parse({ type: 'send', id: 'c9', text: '' });
    expect(result.clientId).toBe('c9');
  });
});

describe('message and room frames', () => {
  const id = '01JABCDEFGHJKMNPQRSTVWXYZ0';
  const parse = (frame: object) => parseClientFrame(JSON.stringify(frame));

  it('accepts edit, delete, react, typing, read, reply and the room frames', () => {
    for (const frame of [
      { type: 'send', id: 'c1', room: 'dev', text: 'yes', replyTo: id },
      { type: 'edit', id: 'c2', room: 'dev', message: id, text: 'fixed' },
      { type: 'delete', id: 'c3', to: 'bob', message: id },
      { type: 'react', id: 'c4', message: id, emoji: 'tada' },
      { type: 'react', id: 'c5', room: 'dev', message: id, emoji: 'tada', remove: true },
      { type: 'typing', id: 'c6', room: 'dev' },
      { type: 'read', id: 'c7', message: id },
      { type: 'members', id: 'c8', room: 'dev' },
      { type: 'directory', id: 'c9', prefix: 'de', limit: 10 },
      { type: 'role', id: 'c10', room: 'dev', user: 'bob', role: 'moderator' },
      { type: 'remove', id: 'c11', room: 'dev', user: 'bob' },
      { type: 'ban', id: 'c12', room: 'dev', user: 'bob', lift: true },
      { type: 'mute', id: 'c13', room: 'dev', user: 'bob', minutes: 10 },
    ]) {
      expect(parse(frame)).toEqual({ ok: true, value: frame, clientId: frame.id });
    }
  });

  it('refuses each with the code that says what is wrong', () => {
    const codeOf = (frame: object) => {
      const result = parse(frame);
      return result.ok ? 'accepted' : result.error.code;
    };
    expect(codeOf({ type: 'react', id: 'c1', message: id, emoji: 'poop' })).toBe(ErrorCodes.unknownEmoji);
    expect(codeOf({ type: 'react', id: 'c1', message: id, emoji: 'toString' })).toBe(ErrorCodes.unknownEmoji);
    expect(codeOf({ type: 'typing', id: 'c1' })).toBe(ErrorCodes.frameInvalid);
    expect(codeOf({ type: 'edit', id: 'c1', room: 'dev', to: 'bob', message: id, text: 'x' })).toBe(ErrorCodes.frameInvalid);
    expect(codeOf({ type: 'edit', id: 'c1', message: id, text: '   ' })).toBe(ErrorCodes.textEmpty);
    expect(codeOf({ type: 'edit', id: 'c1', message: id, text: 'x'.repeat(Limits.maxTextChars + 1) })).toBe(ErrorCodes.textTooLong);
    expect(codeOf({ type: 'delete', id: 'c1', message: 'not-an-id' })).toBe(ErrorCodes.frameInvalid);
    expect(codeOf({ type: 'send', id: 'c1', text: 'x', replyTo: 'nope' })).toBe(ErrorCodes.frameInvalid);
    expect(codeOf({ type: 'mute', id: 'c1', room: 'dev', user: 'bob', minutes: Limits.maxMuteMinutes + 1 })).toBe(ErrorCodes.frameInvalid);
    expect(codeOf({ type: 'role', id: 'c1', room: 'dev', user: 'bob', role: 'owner' })).toBe(ErrorCodes.frameInvalid);
  });
});
