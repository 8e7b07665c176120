import { describe, expect, it } from 'vitest';
import { parseServerFrames, type MessageFrame, type NotifierCommand } from '@parley/contracts';
import { planCalls, type CoalesceLimits, type PlanStep } from './call-plan.js';
import { toSeedRequest, toWebPubSubRequest } from '@parley/websocket-rest';

const hub = 'chat';
const frame = (text: string): MessageFrame => ({ type: 'message', id: `s-${text}`, clientId: `c-${text}`, from: 'ann', text, at: '2026-01-01T00:00:00.000Z' });
const toGroup = (group: string, text: string): NotifierCommand => ({ action: 'sendToGroup', hub, group, frame: frame(text) });
const toUser = (userId: string, text: string): NotifierCommand => ({ action: 'sendToUser', hub, userId, frame: frame(text) });
const toConnection = (connectionId: string, text: string): NotifierCommand => ({ action: 'sendToConnection', hub, connectionId, frame: frame(text) });
const join = (group: string, userId: string): NotifierCommand => ({ action: 'addUserToGroup', hub, group, userId });
const roomy: CoalesceLimits = { maxFrames: 32, maxBodyBytes: 256 * 1024 };

const plan = (commands: NotifierCommand[], limits = roomy) => planCalls(commands.map(toSeedRequest), limits);
/** A step as the indices of each call: `[[0, 2], [1]]` for two lanes, `'barrier 3'`. */
const shape = (steps: PlanStep[]) => steps.map((step) => (step.kind === 'barrier' ? `barrier ${step.call.indices.join()}` : step.lanes.map((lane) => lane.map((call) => [...call.indices]))));
/** The texts a call delivers, in order, read as a client would. */
const texts = (body: string | undefined) => {
  const read = parseServerFrames(body ?? '');
  if (!read.ok) throw new Error(read.error.message);
  return read.value.map((f) => (f.type === 'message' ? f.text : f.type));
};

describe('planCalls: one call per target between barriers', () => {
  it('puts the sends to one target into one call with a batch body, in order', () => {
    const steps = plan([toGroup('room:a', 'one'), toGroup('room:a', 'two'), toGroup('room:a', 'three')]);
    expect(shape(steps)).toEqual([[[[0, 1, 2]]]]);
    const call = steps[0]!.kind === 'sends' ? steps[0]!.lanes[0]![0]! : undefined;
    expect(call?.request).toMatchObject({ action: 'sendToGroup', method: 'POST', path: '/ws/api/v1/hubs/chat/groups/room%3Aa', goneIsDone: false });
    expect(JSON.parse(call?.request.body ?? '')).toMatchObject({ type: 'batch' });
    expect(texts(call?.request.body)).toEqual(['one', 'two', 'three']);
  });

  it('keeps a lone send exactly as today: its frame as the body', () => {
    const steps = plan([toGroup('room:a', 'alone'), toUser('bob', 'for bob')]);
    expect(shape(steps)).toEqual([[[[0]], [[1]]]]);
    for (const lane of steps[0]!.kind === 'sends' ? steps[0]!.lanes : []) expect(JSON.parse(lane[0]!.request.body ?? '')).toMatchObject({ type: 'message' });
  });

  it('gives each target its own lane, interleaved sends keeping their order per target', () => {
    const steps = plan([toGroup('room:a', 'a1'), toUser('bob', 'b1'), toGroup('room:a', 'a2'), toConnection('c1', 'c1'), toUser('bob', 'b2'), toGroup('room:b', 'x')]);
    expect(shape(steps)).toEqual([[[[0, 2]], [[1, 4]], [[3]], [[5]]]]);
  });

  it('tells targets apart by every part of the call: action, hub, target and query', () => {
    const commands: NotifierCommand[] = [
      toGroup('bob', 'group bob'),
      toUser('bob', 'user bob'),
      toConnection('bob', 'connection bob'),
      { action: 'sendToGroup', hub: 'other', group: 'bob', frame: frame('other hub') },
      { action: 'sendToAll', hub, frame: frame('all') },
      { action: 'sendToAll', hub, frame: frame('all again') },
    ];
    expect(shape(planCalls(commands.map(toWebPubSubRequest), roomy))).toEqual([[[[0]], [[1]], [[2]], [[3]], [[4, 5]]]]);
  });

  it('makes a membership change a barrier: sends before it go first, sends after it are a new call', () => {
    const steps = plan([toGroup('room:a', 'before'), toUser('bob', 'b'), join('room:a', 'bob'), toGroup('room:a', 'after 1'), toGroup('room:a', 'after 2')]);
    expect(shape(steps)).toEqual([[[[0]], [[1]]], 'barrier 2', [[[3, 4]]]]);
  });

  it('makes every command that is not a send a barrier, even to another target', () => {
    const commands: NotifierCommand[] = [
      toConnection('c1', 'bye'),
      { action: 'closeConnection', hub, connectionId: 'c1', reason: 'signed out' },
      { action: 'removeUserFromGroup', hub, group: 'room:z', userId: 'ann' },
      { action: 'addConnectionToGroup', hub, group: 'room:z', connectionId: 'c2' },
      toConnection('c1', 'too late'),
    ];
    expect(shape(plan(commands))).toEqual([[[[0]]], 'barrier 1', 'barrier 2', 'barrier 3', [[[4]]]]);
  });

  it('answers nothing for nothing', () => {
    expect(plan([])).toEqual([]);
  });
});

describe('planCalls: a call stays within its limits', () => {
  it('splits a lane at maxFrames, in order', () => {
    const commands = Array.from({ length: 7 }, (_, i) => toGroup('room:a', `m${i}`));
    const steps = plan(commands, { maxFrames: 3, maxBodyBytes: 256 * 1024 });
    expect(shape(steps)).toEqual([[[[0, 1, 2], [3, 4, 5], [6]]]]);
    const lane = steps[0]!.kind === 'sends' ? steps[0]!.lanes[0]! : [];
    expect(lane.map((call) => texts(call.request.body))).toEqual([['m0', 'm1', 'm2'], ['m3', 'm4', 'm5'], ['m6']]);
  });

  it('splits a lane before its body would pass maxBodyBytes, and never sends a body over it when frames fit', () => {
    const big = (i: number) => toGroup('room:a', `${i}`.padEnd(1_000, 'x'));
    const requests = Array.from({ length: 10 }, (_, i) => toSeedRequest(big(i)));
    const frameBytes = Buffer.byteLength(requests[0]!.body!);
    // Room for three frames and their commas in a batch, not four.
    const maxBodyBytes = 30 + 3 * frameBytes + 2;
    const steps = planCalls(requests, { maxFrames: 32, maxBodyBytes });
    const lane = steps[0]!.kind === 'sends' ? steps[0]!.lanes[0]! : [];
    expect(lane.map((call) => call.indices.length)).toEqual([3, 3, 3, 1]);
    for (const call of lane) expect(Buffer.byteLength(call.request.body!)).toBeLessThanOrEqual(maxBodyBytes);
    expect(lane.flatMap((call) => texts(call.request.body))).toEqual(requests.map((_, i) => `${i}`.padEnd(1_000, 'x')));
  });

  it('sends a frame larger than maxBodyBytes alone, as its plain frame', () => {
    const steps = plan([toGroup('room:a', 'small'), toGroup('room:a', 'x'.repeat(3_000)), toGroup('room:a', 'small again')], { maxFrames: 32, maxBodyBytes: 1_024 });
    expect(shape(steps)).toEqual([[[[0], [1], [2]]]]);
  });

  it('turns coalescing off with maxFrames 1', () => {
    expect(shape(plan([toGroup('room:a', 'a'), toGroup('room:a', 'b')], { maxFrames: 1, maxBodyBytes: 256 * 1024 }))).toEqual([[[[0], [1]]]]);
  });
});
