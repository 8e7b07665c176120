import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ErrorCodes } from './errors.js';
import { ClientFrame, codePointLength, Limits, parseClientFrame } from './frames-client.js';
import { parseChatEvent } from './bus-events.js';
import { parseNotifierEnvelope } from './notifier-commands.js';
import { compile } from './validate.js';

const KNOWN_CODES = new Set<string>(Object.values(ErrorCodes));
const clientFrameSchema = compile(ClientFrame, ErrorCodes.frameInvalid, 'client frame');

/** Frames that are close to valid, so the property explores the edges, not only garbage. */
const name = fc.string({ minLength: 0, maxLength: 70 });
const nearFrame = fc.record(
  {
    type: fc.constantFrom('send', 'join', 'leave', 'invite', 'history', 'shout', 7),
    id: fc.oneof(fc.string({ maxLength: 70 }), fc.integer()),
    text: fc.oneof(fc.string({ maxLength: 50 }), fc.string({ minLength: 3990, maxLength: 4010 }), fc.integer()),
    room: name,
    to: name,
    user: name,
    with: name,
    before: fc.oneof(fc.string({ maxLength: 210 }), fc.constant(null)),
    limit: fc.oneof(fc.integer({ min: -5, max: 120 }), fc.double()),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

describe('contracts validators (property)', () => {
  it('parseClientFrame never throws; what it accepts is well-formed, what it refuses has a known code', () => {
    fc.assert(
      fc.property(fc.oneof(nearFrame.map((f) => JSON.stringify(f)), fc.string(), fc.jsonValue().map((v) => JSON.stringify(v))), (raw) => {
        const result = parseClientFrame(raw);
        if (result.ok) {
          expect(clientFrameSchema.check(result.value)).toBe(true);
          if (result.value.type === 'send') {
            const length = codePointLength(result.value.text);
            expect(length).toBeGreaterThan(0);
            expect(length).toBeLessThanOrEqual(Limits.maxTextChars);
          }
          expect(Buffer.byteLength(raw)).toBeLessThanOrEqual(Limits.maxFrameBytes);
        } else {
          expect(KNOWN_CODES.has(result.error.code)).toBe(true);
          expect(result.error.message.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('parseClientFrame handles arbitrary bytes (binary frames) without throwing', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const result = parseClientFrame(bytes);
        if (!result.ok) expect(KNOWN_CODES.has(result.error.code)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('bus envelope parsers never throw and answer known codes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        for (const parse of [parseChatEvent, parseNotifierEnvelope]) {
          const result = parse(value);
          if (!result.ok) expect(KNOWN_CODES.has(result.error.code)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
