import { expect, it } from 'vitest';
import fc from 'fast-check';
import { ErrorCodes } from '@parley/contracts';
import { ChatClient, COMPONENT_NAMES } from '@parley/stack';
import { fresh, socketOf, type HostileContext } from './harness.js';

type Frame = Record<string, unknown>;

const KNOWN_CODES = new Set<string>(Object.values(ErrorCodes));
const names = fc.oneof(fc.constantFrom('dev', 'lobby', '../dev', 'a%2Fb', 'x?y#z', '', ' ', 'a\u0000b', 'é'), fc.string({ maxLength: 70 }));
const texts = fc.oneof(fc.string({ maxLength: 50 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constant(''), fc.constant(' '), fc.integer());
const limits = fc.oneof(fc.integer({ min: -5, max: 150 }), fc.double(), fc.string({ maxLength: 3 }));
const cursors = fc.oneof(fc.constant(null), fc.string({ maxLength: 30 }), fc.base64String({ maxLength: 40 }));
/** Near-valid frames of each type (so that many reach the worker) and chaotic ones (so that every check is tried). */
const frames: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({ type: fc.constant('send'), text: texts, room: names, to: names }, { requiredKeys: ['type', 'text'] }),
  fc.record({ type: fc.constantFrom('join', 'leave'), room: names }, { requiredKeys: ['type', 'room'] }),
  fc.record({ type: fc.constant('invite'), room: names, user: names }, { requiredKeys: ['type', 'room', 'user'] }),
  fc.record({ type: fc.constant('history'), room: names, with: names, limit: limits, before: cursors }, { requiredKeys: ['type'] }),
  fc.record(
    { type: fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), text: texts, room: names, to: names, user: names, limit: limits, extra: fc.jsonValue({ maxDepth: 3 }) },
    { requiredKeys: [] },
  ),
);

/** What shows that the worker applied an accepted frame, per type (the frame's own effect on its sender's screen). */
function applied(frame: Frame, id: string): (f: Frame) => boolean {
  switch (frame.type) {
    case 'send':
      return (f) => f.type === 'message' && f.clientId === id;
    case 'history':
      return (f) => f.type === 'history' && f.id === id;
    case 'join':
    case 'leave':
      return (f) => f.type === 'room' && f.room === frame.room && f.event === (frame.type === 'join' ? 'joined' : 'left');
    default:
      return (f) => f.type === 'room' && f.room === frame.room && f.event === 'invited' && f.user === frame.user;
  }
}

/**
 * Property over the whole frame → event → command path, through real
 * WebSockets (the reliability package may not import services, and the real
 * path is what matters): any frame the gateway accepts is either applied by
 * the worker or refused with a coded `error` frame; anything else gets a coded
 * error ack; and no input stops a process of the stack.
 */
export function propertyCases(ctx: HostileContext, runs = 120): void {
  it(`frame → event → command: ${runs} generated frames are each refused with a code or applied, and no process dies`, { timeout: 240_000 }, async () => {
    const senders = await Promise.all(Array.from({ length: 4 }, () => ChatClient.connect(ctx.stack.gatewayUrl, fresh('prop'))));
    // Someone to invite and a room to leave, so that some generated frames can succeed.
    await senders[0]!.request({ type: 'join', id: fresh('join'), room: 'dev' });
    let turn = 0;
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(frames, fc.boolean(), async (generated, withId) => {
        const sender = senders[turn++ % senders.length]!;
        const id = fresh('p');
        const frame: Frame = withId ? { ...generated, id } : generated;
        const since = sender.frames.length;
        const ack = sender.waitFor((f) => f.type === 'ack' && (f.id === id || (!withId && f.id === '')), 20_000, since);
        socketOf(sender).send(JSON.stringify(frame));
        const answer = await ack;
        if (answer.ok !== true) {
          const code = String((answer.error as { code?: unknown } | undefined)?.code);
          expect(KNOWN_CODES.has(code), `coded refusal ${code}`).toBe(true);
          outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
          return;
        }
        const effect = applied(frame, id);
        const result = await sender.waitFor((f) => effect(f) || (f.type === 'error' && f.id === id), 20_000, since);
        if (result.type === 'error') {
          const code = String((result.error as { code?: unknown }).code);
          expect(KNOWN_CODES.has(code), `coded rule refusal ${code}`).toBe(true);
          outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
        } else outcomes.set(`applied ${String(frame.type)}`, (outcomes.get(`applied ${String(frame.type)}`) ?? 0) + 1);
      }),
      { numRuns: runs, endOnFailure: true },
    );
    for (const name of COMPONENT_NAMES) expect(ctx.stack.isRunning(name), `${name} still running`).toBe(true);
    console.log(`property outcomes (${ctx.service}): ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(', ')}`);
    await Promise.all(senders.map((s) => s.close()));
  });
}
