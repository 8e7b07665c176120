import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHAT_SUBPROTOCOL } from '@parley/contracts';
import { negotiate, type Stack } from '@parley/stack';
import { startTestStack } from '@parley/stack/e2e';
import { BenchClient } from './bench-client.js';
import { startBaseline } from './baseline.js';
import { runScenario, type Target } from './scenario.js';

/** A short smoke run of the benchmark inside CI: small load, every figure sane, nothing lost. */
describe('benchmark smoke run', () => {
  let stack: Stack;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ stack, cleanup } = await startTestStack({ inMemory: true }));
  });
  afterAll(async () => cleanup?.());

  const base = { ratePerClient: 2, durationSeconds: 3, messageBytes: 2048 };

  it('measures rooms of 5 through the whole pipeline with nothing lost or duplicated', async () => {
    const target: Target = {
      acks: true,
      pids: Object.fromEntries(Object.entries(stack.pids()).map(([name, pid]) => [name, pid!])),
      open: async (index, scenario) => BenchClient.open(index, (await negotiate(stack.gatewayUrl, `smoke-${scenario}-${index}`)).url, CHAT_SUBPROTOCOL),
    };
    const run = await runScenario(target, { ...base, name: 'smoke-rooms', kind: 'groups', clients: 10, roomSize: 5 }, 'smoke');
    console.log(JSON.stringify({ ...run, processes: undefined }));
    expect(run.messagesIn).toBeGreaterThan(30);
    expect(run.deliveries).toBe(run.messagesIn * 5);
    expect(run.lost).toBe(0);
    expect(run.duplicated).toBe(0);
    expect(run.latencyMs.p99).toBeGreaterThan(0);
    expect(Object.keys(run.processes)).toEqual(expect.arrayContaining(['gateway', 'chat-worker', 'notifier', 'load-generator']));
  });

  it('measures the echo baseline', async () => {
    const baseline = await startBaseline();
    try {
      const run = await runScenario(baseline.target, { ...base, name: 'smoke-echo', kind: 'echo', clients: 10, roomSize: 1 }, 'smoke');
      expect(run.deliveries).toBe(run.messagesIn);
      expect(run.lost).toBe(0);
    } finally {
      await baseline.stop();
    }
  });
});
