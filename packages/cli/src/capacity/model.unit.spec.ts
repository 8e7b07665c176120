import { describe, expect, it } from 'vitest';
import { LIMITS } from './limits.js';
import { planCapacity, webPubSubUnits, type CapacityInput, type Deployment, type MeasuredCost } from './model.js';
import { costFromBench } from './bench.js';
import { renderPlans } from './render.js';
import { MAX_PARTITIONS } from '@parley/service-kit';
import { SERVICES_MAX_PARTITIONS } from '../commands/capacity.js';

const cost: MeasuredCost = {
  source: 'test',
  cpuMsPerMessage: { gateway: 1, 'chat-worker': 3, notifier: 2 },
  busOperationsPerMessage: 6,
  tableRoundTripsPerMessage: 2,
};
const deployment: Deployment = {
  partitions: 64,
  eventLogShards: 32,
  maxReplicas: { gateway: 20, 'chat-worker': 32, notifier: 32 },
  minReplicas: { gateway: 3, 'chat-worker': 2, notifier: 2 },
  coresPerReplica: 0.5,
  sessionUtilization: 0.5,
  maxPartitions: 1024,
};
const input = (users: number, overrides: Partial<CapacityInput> = {}): CapacityInput => ({
  users,
  messagesPerUserPerMinute: 6,
  roomSize: 10,
  connectionsPerUser: 1,
  cost,
  deployment,
  ...overrides,
});
const limit = (plan: ReturnType<typeof planCapacity>, name: string) => plan.limits.find((l) => l.name.startsWith(name))!;

describe('planCapacity', () => {
  it('turns users and rate into messages, deliveries and connections', () => {
    const plan = planCapacity(input(60_000));
    expect(plan.messagesPerSecond).toBe(6_000);
    expect(plan.deliveriesPerSecond).toBe(60_000);
    expect(plan.connections).toBe(60_000);
    expect(planCapacity(input(60_000, { connectionsPerUser: 2 })).connections).toBe(120_000);
  });

  it('sizes each service from its CPU per message, never below its minimum', () => {
    // 6,000 msg/s × 3 ms = 18 cores; 0.5 core a replica = 36.
    expect(planCapacity(input(60_000)).replicas).toEqual({ gateway: 12, 'chat-worker': 36, notifier: 24 });
    expect(planCapacity(input(100)).replicas).toEqual({ gateway: 3, 'chat-worker': 2, notifier: 2 });
  });

  it('plans Web PubSub units at 80 % of 1,000 connections each, on the unit steps, in instances of 100 beyond', () => {
    expect(webPubSubUnits(800)).toEqual({ units: 1, instances: 1 });
    expect(webPubSubUnits(801)).toEqual({ units: 2, instances: 1 });
    expect(webPubSubUnits(10_000)).toEqual({ units: 20, instances: 1 });
    expect(webPubSubUnits(80_000)).toEqual({ units: 100, instances: 1 });
    expect(webPubSubUnits(1_000_000)).toEqual({ units: 1_250, instances: 13 });
  });

  it('keeps Service Bus Standard while credits last, then Premium messaging units in powers of two', () => {
    const small = planCapacity(input(1_000)); // 100 msg/s × 6 = 600 credits/s
    expect(small.serviceBus).toMatchObject({ tier: 'Standard', messagingUnits: 0, namespaces: 1 });
    const large = planCapacity(input(60_000)); // 36,000 ops/s ÷ 2,000 per MU = 18 → 32
    expect(large.serviceBus).toMatchObject({ tier: 'Premium', messagingUnits: 32, namespaces: 1, operationsPerSecond: 36_000 });
    expect(limit(large, 'Service Bus Standard credits').utilization).toBe(36);
  });

  it('asks for PARTITIONS so that no session is busier than planned, as a power of two', () => {
    // A session: 3 ms CPU + 2 × 10 ms round trips = 23 ms a message; 6,000/s × 0.023 / 0.5 = 276 sessions → 512.
    const plan = planCapacity(input(60_000));
    expect(plan.partitions).toBe(512);
    expect(limit(plan, 'sessions (PARTITIONS=64)').used).toBeCloseTo(276);
    expect(limit(plan, 'sessions').change).toContain('PARTITIONS=512');
    expect(planCapacity(input(1_000)).partitions).toBe(64);
  });

  it('counts Table transactions per account and the busiest event-log shard', () => {
    const plan = planCapacity(input(200_000)); // 20,000 msg/s
    expect(plan.storage).toEqual({ accounts: 2, transactionsPerSecond: 40_000, busiestPartitionPerSecond: 625 });
    expect(limit(plan, 'Table transactions').utilization).toBe(2);
    expect(limit(plan, 'busiest event-log partition').utilization).toBeCloseTo(625 / LIMITS.tableEntitiesPerPartition.value);
  });

  it('names the busiest limit as the first hit, and none when every limit has room', () => {
    const plan = planCapacity(input(60_000));
    expect(plan.firstLimit?.name).toBe('Service Bus Standard credits per second');
    expect(plan.limits.map((l) => l.utilization)).toEqual([...plan.limits.map((l) => l.utilization)].sort((a, b) => b - a));
    const quiet = planCapacity(input(100, { messagesPerUserPerMinute: 0.1 }));
    expect(quiet.firstLimit).toBeUndefined();
    expect(quiet.limits[0]!.utilization).toBeLessThan(1);
  });

  it('cites a source for every limit and marks the figures Microsoft does not publish', () => {
    for (const use of planCapacity(input(1_000)).limits) expect(use.source).toMatch(/^(https:\/\/learn\.microsoft\.com\/|k8s\/)/);
    expect(Object.values(LIMITS).filter((l) => 'assumption' in l).map((l) => l.what)).toHaveLength(2);
  });

  it('plans PARTITIONS up to what the services accept', () => {
    expect(SERVICES_MAX_PARTITIONS).toBe(MAX_PARTITIONS);
  });

  it('refuses no users', () => {
    expect(() => planCapacity(input(0))).toThrow(RangeError);
  });
});

describe('costFromBench', () => {
  const run = (name: string, roomSize: number, offeredPerSecond: number, chatWorker: number) => ({
    name,
    kind: 'groups',
    roomSize,
    offeredPerSecond,
    cpuMsPerMessage: { gateway: 1.2, 'chat-worker': chatWorker, notifier: 1.1 },
    counts: { busOperationsPerMessage: 6.03, tableRoundTripsPerEvent: { 'message.send': 2 } },
  });

  it('takes the room run nearest the room size, at its highest rate', () => {
    const bench = { startedAt: '2026-12-02T13:44:47Z', runs: [{ name: 'echo', kind: 'echo', roomSize: 1 }, run('rooms-of-10', 10, 200, 2.6)], ramp: [run('ramp-100', 10, 100, 4.4), run('lobby', 100, 100, 4.1)] };
    const measured = costFromBench(bench, 10, 'latest.json');
    expect(measured).toMatchObject({ cpuMsPerMessage: { 'chat-worker': 2.6 }, busOperationsPerMessage: 6.03, tableRoundTripsPerMessage: 2 });
    expect(measured.source).toBe('latest.json, run "rooms-of-10" (rooms of 10, 200 messages/s, 2026-12-02)');
    expect(costFromBench(bench, 80, 'latest.json').cpuMsPerMessage['chat-worker']).toBe(4.1);
  });

  it('takes the highest rate among the runs that held, when any did', () => {
    const held = (name: string, offered: number, chatWorker: number, p99: number, lost = 0) => ({ ...run(name, 10, offered, chatWorker), latencyMs: { p99 }, lost });
    const bench = { runs: [held('rooms-of-10', 200, 2.6, 130)], ramp: [held('ramp-300', 300, 1.9, 595), held('ramp-400', 400, 1.4, 3_999), held('ramp-350', 350, 1.7, 400, 30)] };
    expect(costFromBench(bench, 10, 'latest.json').source).toBe('latest.json, run "ramp-300" (rooms of 10, 300 messages/s)');
    // None held: the highest rate measured, as before.
    const overloaded = { runs: [held('ramp-400', 400, 1.4, 3_999), held('ramp-500', 500, 1.2, 5_671)] };
    expect(costFromBench(overloaded, 10, 'latest.json').cpuMsPerMessage['chat-worker']).toBe(1.2);
  });

  it('says what is missing from a file of another shape', () => {
    expect(() => costFromBench({ runs: [] }, 10, 'x.json')).toThrow('x.json has no room run (kind "groups") with cpuMsPerMessage');
    const noCounts = { runs: [{ ...run('r', 10, 100, 2), counts: {} }] };
    expect(() => costFromBench(noCounts, 10, 'x.json')).toThrow('run "r" has no counts.busOperationsPerMessage');
  });
});

describe('renderPlans', () => {
  it('prints one row per size, the limits hit with what to change, and the sources', () => {
    const text = renderPlans([planCapacity(input(1_000)), planCapacity(input(60_000))], 'header');
    expect(text).toContain('| 1,000 | 100 | 1,000 | 3 | 2 | 2 | 2 units | Standard | 64 | 1 | none; nearest:');
    expect(text).toContain('| 60,000 | 6,000 | 60,000 | 12 | 36 | 24 | 80 units | Premium 32 MU | 512 | 1 | Service Bus Standard credits per second (3600 %) |');
    expect(text).toContain('change: Service Bus Premium (messaging units)');
    expect(text).toContain('https://learn.microsoft.com/en-us/azure/storage/tables/scalability-targets');
  });
});
