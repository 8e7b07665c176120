import { expect, it } from 'vitest';
import fc from 'fast-check';
import { ErrorCodes } from '@parley/contracts';
import { ChatClient, COMPONENT_NAMES } from '@parley/stack';
import { fresh, paced, socketOf, type HostileContext } from './harness.js';

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

/** Frames every check lets through, in a room all senders joined: each must be accepted and applied. */
const validFrames = (room: string): fc.Arbitrary<Frame> =>
  fc.oneof(
    fc.record({ type: fc.constant('send'), room: fc.constant(room), text: fc.stringMatching(/^[a-z0-9][a-z0-9 ]{0,39}$/) }),
    fc.record({ type: fc.constant('history'), room: fc.constant(room), limit: fc.integer({ min: 1, max: 100 }) }),
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
 * error ack; no input stops a process of the stack. Valid frames are mixed in
 * and each must be accepted and applied (a send also reaches another member),
 * so a stack that refused everything fails. Each sender is paced below the
 * gateway's per-user rate limit, which this property does not test, so a
 * PARLEY_RATE_LIMITED answer fails it too.
 */
export function propertyCases(ctx: HostileContext, runs = 120): void {
  it(`frame → event → command: ${runs} generated frames are each refused with a code or applied, valid ones applied and delivered, and no process dies`, { timeout: 240_000 }, async () => {
    const senders = await Promise.all(Array.from({ length: 4 }, () => ChatClient.connect(ctx.stack.gatewayUrl, fresh('prop'))));
    // A room every sender is in, for the valid frames (no generated name can be it), and 'dev'
    // with one member, so that some generated frames can succeed too.
    const validRoom = fresh('valid');
    for (const sender of senders) {
      await paced(sender.user);
      expect(await sender.request({ type: 'join', id: fresh('join'), room: validRoom })).toMatchObject({ ok: true });
      await sender.waitFor((f) => f.type === 'room' && f.room === validRoom && f.event === 'joined' && f.user === sender.user);
    }
    await paced(senders[0]!.user);
    await senders[0]!.request({ type: 'join', id: fresh('join'), room: 'dev' });
    let turn = 0;
    let validApplied = 0;
    const outcomes = new Map<string, number>();
    const cases = fc.oneof(
      { arbitrary: fc.record({ generated: frames, withId: fc.boolean(), valid: fc.constant(false) }), weight: 3 },
      { arbitrary: fc.record({ generated: validFrames(validRoom), withId: fc.constant(true), valid: fc.constant(true) }), weight: 1 },
    );
    await fc.assert(
      fc.asyncProperty(cases, async ({ generated, withId, valid }) => {
        const sender = senders[turn % senders.length]!;
        const member = senders[(turn + 1) % senders.length]!;
        turn++;
        const id = fresh('p');
        const frame: Frame = withId ? { ...generated, id } : generated;
        const since = sender.frames.length;
        const memberSince = member.frames.length;
        const ack = sender.waitFor((f) => f.type === 'ack' && (f.id === id || (!withId && f.id === '')), 20_000, since);
        await paced(sender.user);
        socketOf(sender).send(JSON.stringify(frame));
        const answer = await ack;
        if (valid) expect(answer, `valid ${JSON.stringify(frame)} accepted`).toMatchObject({ ok: true });
        if (answer.ok !== true) {
          const code = String((answer.error as { code?: unknown } | undefined)?.code);
          expect(KNOWN_CODES.has(code), `coded refusal ${code}`).toBe(true);
          expect(code, 'paced below the rate limit').not.toBe(ErrorCodes.rateLimited);
          outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
          return;
        }
        const effect = applied(frame, id);
        const result = await sender.waitFor((f) => effect(f) || (f.type === 'error' && f.id === id), 20_000, since);
        if (valid) {
          expect(result, `valid ${JSON.stringify(frame)} applied`).not.toMatchObject({ type: 'error' });
          if (frame.type === 'send') await member.waitFor((f) => f.type === 'message' && f.clientId === id && f.from === sender.user, 20_000, memberSince);
          validApplied++;
        }
        if (result.type === 'error') {
          const code = String((result.error as { code?: unknown }).code);
          expect(KNOWN_CODES.has(code), `coded rule refusal ${code}`).toBe(true);
          outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
        } else outcomes.set(`applied ${String(frame.type)}`, (outcomes.get(`applied ${String(frame.type)}`) ?? 0) + 1);
      }),
      { numRuns: runs, endOnFailure: true },
    );
    // One in four cases is valid: with these run counts none at all means the generator broke.
    expect(validApplied, 'valid frames applied').toBeGreaterThan(0);
    for (const name of COMPONENT_NAMES) expect(ctx.stack.isRunning(name), `${name} still running`).toBe(true);
    console.log(`property outcomes (${ctx.service}): ${[...outcomes].map(([k, n]) => `${k} ${n}`).join(', ')}; valid frames applied ${validApplied}`);
    await Promise.all(senders.map((s) => s.close()));
  });
}
