import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { ErrorCodes, type Result } from '@parley/contracts';
import { startServiceBus, tempDir, type StandIn } from '@parley/testkit';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSessionConsumer, type BatchItem, type ItemOutcome, type SessionConsumer } from './consumer.js';
import { PermanentError } from './errors.js';

const QUEUE = 'batches';
const MAX_DELIVERY_COUNT = 3;
/** Short, so a batch handled for longer than this shows that the session lock is renewed under it. */
const LOCK_SECONDS = 2;

function writeConfig(): string {
  const file = join(tempDir('parley-batching-'), 'servicebus.json');
  const queue = {
    Name: QUEUE,
    Properties: { RequiresSession: true, MaxDeliveryCount: MAX_DELIVERY_COUNT, LockDuration: `PT${LOCK_SECONDS}S`, DefaultMessageTimeToLive: 'PT1H' },
  };
  writeFileSync(file, JSON.stringify({ UserConfig: { Namespaces: [{ Name: 'sbemulatorns', Queues: [queue], Topics: [] }], Logging: { Type: 'Console' } } }));
  return file;
}

interface Body {
  readonly run: string;
  readonly session: string;
  readonly n: number;
}
const parse = (body: unknown): Result<Body> =>
  typeof body === 'object' && body !== null && 'n' in body
    ? { ok: true, value: body as Body }
    : { ok: false, error: { code: ErrorCodes.envelopeInvalid, message: 'not a test body' } };

let runs = 0;
const nextRun = () => `run-${process.pid}-${++runs}`;
const until = async (check: () => boolean, what: string, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe('the batching session consumer against the Service Bus emulator', () => {
  let servicebus: StandIn;
  let client: ServiceBusClient;
  let consumer: SessionConsumer | undefined;
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

  beforeAll(async () => {
    servicebus = await startServiceBus({ config: writeConfig() });
    client = new ServiceBusClient(servicebus.connectionString);
  });
  afterEach(async () => {
    await consumer?.stop();
    consumer = undefined;
  });
  afterAll(async () => {
    await client?.close();
    await servicebus?.stop();
  });

  async function send(run: string, bodies: Array<{ session: string; n: number } | { session: string; invalid: true }>): Promise<void> {
    const sender = client.createSender(QUEUE);
    try {
      await sender.sendMessages(bodies.map((body) => ({ body: { run, ...body }, sessionId: `${run}-${body.session}` })));
    } finally {
      await sender.close();
    }
  }

  function start(handleBatch: (items: readonly BatchItem<Body>[]) => Promise<ItemOutcome[]>, maxBatchSize = 16) {
    consumer = startSessionConsumer<Body>({
      client,
      entity: { queue: QUEUE },
      maxConcurrentSessions: 4,
      sessionIdleMs: 500,
      maxBatchSize,
      parse,
      handler: { handleBatch },
      logger,
      retryDelayMs: () => 10,
    });
  }

  it('hands a backlog over in batches, in session order, each message handled and completed once', async () => {
    const run = nextRun();
    const sessions = ['a', 'b', 'c'];
    await send(run, sessions.flatMap((session) => Array.from({ length: 60 }, (_, n) => ({ session, n }))));
    const seen = new Map<string, number[]>();
    const batchSizes: number[] = [];
    start(async (items) => {
      batchSizes.push(items.length);
      expect(new Set(items.map((item) => item.value.session)).size).toBe(1);
      for (const { value } of items) seen.set(value.session, [...(seen.get(value.session) ?? []), value.n]);
      // Slow enough that the link fills the next batch meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 30));
      return items.map(() => 'done' as const);
    });
    await until(() => sessions.every((session) => seen.get(session)?.length === 60), 'every message');
    for (const session of sessions) expect(seen.get(session)).toEqual(Array.from({ length: 60 }, (_, n) => n));
    expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(16);
  });

  it('hands a lone message on an idle link over at once, not after a batch wait', async () => {
    const run = nextRun();
    const handled: Array<{ at: number; size: number }> = [];
    start(async (items) => {
      handled.push({ at: Date.now(), size: items.length });
      return items.map(() => 'done' as const);
    });
    await send(run, [{ session: 'warm', n: 0 }]);
    await until(() => handled.length === 1, 'the warm-up message');
    const sentAt = Date.now();
    await send(run, [{ session: 'lone', n: 1 }]);
    await until(() => handled.length === 2, 'the lone message');
    expect(handled[1]!.size).toBe(1);
    // The SDK's batch receive would hold a partial batch for a full second.
    expect(handled[1]!.at - sentAt).toBeLessThan(1_000);
  });

  it('retries a failed message before anything after it, without raising the others\' delivery count', async () => {
    const run = nextRun();
    await send(run, Array.from({ length: 10 }, (_, n) => ({ session: 's', n })));
    const handled: Array<{ n: number; deliveryCount: number }> = [];
    let failed = false;
    start(async (items) => {
      const outcomes: ItemOutcome[] = [];
      for (const { value, context } of items) {
        handled.push({ n: value.n, deliveryCount: context.message.deliveryCount ?? -1 });
        if (value.n === 4 && !failed) {
          failed = true;
          outcomes.push({ failed: new Error('table briefly unavailable') });
          break;
        }
        outcomes.push('done');
      }
      return outcomes;
    });
    await until(() => handled.filter((h) => h.n === 9).length === 1, 'the last message');
    expect(handled.map((h) => h.n)).toEqual([0, 1, 2, 3, 4, 4, 5, 6, 7, 8, 9]);
    expect(handled.filter((h) => h.n === 4).map((h) => h.deliveryCount)).toEqual([0, 1]);
    expect(handled.filter((h) => h.n !== 4).every((h) => h.deliveryCount === 0)).toBe(true);
  });

  it('dead-letters a permanent failure and an invalid body with their reasons, and completes the rest', async () => {
    const run = nextRun();
    await send(run, [{ session: 's', n: 0 }, { session: 's', invalid: true }, { session: 's', n: 1 }, { session: 's', n: 2 }]);
    const done: number[] = [];
    start(async (items) =>
      items.map(({ value }) => {
        if (value.n === 1) return { failed: new PermanentError('TEST_REFUSED', 'refused for good') };
        done.push(value.n);
        return 'done' as const;
      }),
    );
    await until(() => done.includes(2), 'the message after the refused one');
    expect(done).toEqual([0, 2]);
    const dead = await deadLetters(run, 2);
    expect(dead.map((m) => m.deadLetterReason).sort()).toEqual([ErrorCodes.envelopeInvalid, 'TEST_REFUSED'].sort());
  });

  it('dead-letters a message that keeps failing after MaxDeliveryCount, then goes on with the next', async () => {
    const run = nextRun();
    await send(run, [{ session: 's', n: 0 }, { session: 's', n: 1 }]);
    const attempts: number[] = [];
    const done: number[] = [];
    start(async (items) => {
      const [first] = items;
      if (first!.value.n === 0) {
        attempts.push(first!.context.message.deliveryCount ?? -1);
        return [{ failed: new Error('still down') }];
      }
      done.push(...items.map((item) => item.value.n));
      return items.map(() => 'done' as const);
    });
    await until(() => done.includes(1), 'the next message');
    expect(attempts).toEqual(Array.from({ length: MAX_DELIVERY_COUNT }, (_, i) => i));
    expect(done).toEqual([1]);
    const [dead] = await deadLetters(run, 1);
    expect(dead!.deadLetterReason).toMatch(/MaxDeliveryCount/i);
  });

  it('keeps the session lock while a batch takes longer than the lock duration', async () => {
    const run = nextRun();
    await send(run, [{ session: 's', n: 0 }, { session: 's', n: 1 }]);
    const handled: Array<{ n: number; deliveryCount: number }> = [];
    start(async (items) => {
      for (const { value, context } of items) handled.push({ n: value.n, deliveryCount: context.message.deliveryCount ?? -1 });
      if (items[0]!.value.n === 0) await new Promise((resolve) => setTimeout(resolve, LOCK_SECONDS * 1_000 * 2.5));
      return items.map(() => 'done' as const);
    }, 1);
    await until(() => handled.some((h) => h.n === 1), 'the second message', 30_000);
    expect(handled).toEqual([
      { n: 0, deliveryCount: 0 },
      { n: 1, deliveryCount: 0 },
    ]);
  }, 40_000);

  it('hands a batch in hand to another copy when the copy holding it dies, in order and completing nothing twice', async () => {
    const run = nextRun();
    await send(run, Array.from({ length: 20 }, (_, n) => ({ session: 's', n })));
    const dyingClient = new ServiceBusClient(servicebus.connectionString);
    let died!: () => void;
    const death = new Promise<void>((resolve) => (died = resolve));
    const firstCopy: number[] = [];
    const dying = startSessionConsumer<Body>({
      client: dyingClient,
      entity: { queue: QUEUE },
      maxConcurrentSessions: 1,
      maxBatchSize: 8,
      parse,
      handler: {
        handleBatch: async (items) => {
          firstCopy.push(...items.map((item) => item.value.n));
          if (firstCopy.length > 8) await death;
          return items.map(() => 'done' as const);
        },
      },
      logger,
    });
    await until(() => firstCopy.length > 8, 'the first copy to hold its second batch');
    // The copy's connection drops mid-batch: its session lock goes with it.
    await dyingClient.close();
    const secondCopy: Array<{ n: number; deliveryCount: number }> = [];
    start(async (items) => {
      secondCopy.push(...items.map((item) => ({ n: item.value.n, deliveryCount: item.context.message.deliveryCount ?? -1 })));
      return items.map(() => 'done' as const);
    });
    await until(() => secondCopy.some((h) => h.n === 19), 'the last message at the second copy');
    died();
    await dying.stop();
    // The first batch was completed by the first copy; the second copy takes over exactly where it stopped.
    const completedFirst = firstCopy.slice(0, 8);
    expect(completedFirst).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(secondCopy.map((h) => h.n)).toEqual(Array.from({ length: 12 }, (_, i) => i + 8));
    expect(secondCopy.filter((h) => firstCopy.includes(h.n)).every((h) => h.deliveryCount === 1)).toBe(true);
  });

  async function deadLetters(run: string, count: number): Promise<ServiceBusReceivedMessage[]> {
    const receiver = client.createReceiver(QUEUE, { subQueueType: 'deadLetter' });
    const found: ServiceBusReceivedMessage[] = [];
    try {
      const deadline = Date.now() + 15_000;
      while (found.length < count && Date.now() < deadline) {
        for (const message of await receiver.receiveMessages(10, { maxWaitTimeInMs: 500 })) {
          if ((message.body as Partial<Body>).run === run) found.push(message);
          await receiver.completeMessage(message);
        }
      }
    } finally {
      await receiver.close();
    }
    return found;
  }
});
