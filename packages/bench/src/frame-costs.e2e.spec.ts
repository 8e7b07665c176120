import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_SUBPROTOCOL } from '@parley/contracts';
import { negotiate, type Stack } from '@parley/stack';
import { startTestStack } from '@parley/stack/e2e';
import { BenchClient } from './bench-client.js';
import { runFrameCosts } from './frame-costs.js';
import type { Target } from './scenario.js';

/** A tiny run of the frame-cost scenario: every phase's frames accepted and delivered to the whole room, and counted. */
describe('frame costs smoke run', () => {
  let stack: Stack;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ stack, cleanup } = await startTestStack({ inMemory: true }));
  });
  afterAll(async () => cleanup?.());

  it('measures messages, typing, reactions and reads in rooms of 5, each delivered to the whole room', async () => {
    const target: Target = {
      acks: true,
      pids: Object.fromEntries(Object.entries(stack.pids()).map(([name, pid]) => [name, pid!])),
      metrics: { ports: stack.ports, opsUrl: (name: string) => stack.opsUrl(name as 'gateway') },
      open: async (index) => BenchClient.open(index, (await negotiate(stack.gatewayUrl, `frames-smoke-${index}`)).url, CHAT_SUBPROTOCOL),
    };
    const result = await runFrameCosts(target, { clients: 10, roomSize: 5, ratePerClient: 0.4, durationSeconds: 3, messageBytes: 256 }, 'smoke');
    console.log(JSON.stringify(result.phases.map(({ processes: _processes, ...phase }) => phase)));
    expect(result.phases.map((phase) => phase.kind)).toEqual(['message', 'typing', 'reaction', 'read']);
    for (const phase of result.phases) {
      expect(phase.framesIn).toBeGreaterThan(5);
      expect(phase.refused).toBe(0);
      expect(phase.delivered).toBe(phase.framesIn * 5);
      expect(phase.servicesCpuMsPerFrame).toBeGreaterThan(0);
    }
    // The worker's own counters tell the paths apart: it never sees a typing frame (the gateway relays it).
    const tripsOf = (kind: string) => result.phases.find((phase) => phase.kind === kind)!.counts!.tableRoundTripsPerEvent;
    const trips = (kind: string, type: string) => tripsOf(kind)[type]!;
    expect(tripsOf('typing')['message.typing']).toBeUndefined();
    // Nor does the bus: the gateway sent nothing during the typing phase.
    expect(result.phases.find((phase) => phase.kind === 'typing')!.counts!.busOperations['gateway sends']).toBe(0);
    expect(trips('message', 'message.send')).toBeGreaterThanOrEqual(2);
    // A reaction reads the message before its transaction: more trips than a plain send.
    expect(trips('reaction', 'message.react')).toBeGreaterThan(trips('message', 'message.send'));
    expect(Object.keys(result.ratios)).toHaveLength(3);
  });
});
