import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isServiceBusError, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { startBroker, sleep, type Broker } from './testing/harness.js';

const queues = {
  basic: { LockDuration: 'PT5S', MaxDeliveryCount: 5 },
  settle: { LockDuration: 'PT5S', MaxDeliveryCount: 5 },
  locks: { LockDuration: 'PT1S', MaxDeliveryCount: 10 },
  maxdc: { LockDuration: 'PT5S', MaxDeliveryCount: 2 },
  ttl: { DeadLetteringOnMessageExpiration: true },
  ttlnodl: { DefaultMessageTimeToLive: 'PT0.5S' },
  rad: {},
  peek: {},
  compete: { LockDuration: 'PT10S' },
  dedupe: { RequiresDuplicateDetection: true, DuplicateDetectionHistoryTimeWindow: 'PT1M' },
  sched: {},
  stream: {},
};

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker({ queues });
});
afterAll(async () => {
  await broker.close();
});

const bodies = (ms: ServiceBusReceivedMessage[]) => ms.map((m) => m.body);

async function receiveAll(queue: string, count: number, opts: { subQueueType?: 'deadLetter'; mode?: 'receiveAndDelete' } = {}) {
  const receiver = broker.client.createReceiver(queue, {
    ...(opts.subQueueType ? { subQueueType: opts.subQueueType } : {}),
    ...(opts.mode ? { receiveMode: opts.mode } : {}),
  });
  const got: ServiceBusReceivedMessage[] = [];
  const deadline = Date.now() + 10_000;
  while (got.length < count && Date.now() < deadline) {
    got.push(...(await receiver.receiveMessages(count - got.length, { maxWaitTimeInMs: 500 })));
  }
  return { receiver, got };
}

describe('queues with the real SDK', () => {
  it('sends single messages, arrays and batches and delivers them in order with sequence numbers', async () => {
    const sender = broker.client.createSender('basic');
    await sender.sendMessages({ body: 'one', messageId: 'id-1', applicationProperties: { n: 1 } });
    await sender.sendMessages([{ body: { two: 2 } }, { body: 'three', contentType: 'text/plain', subject: 's' }]);
    const batch = await sender.createMessageBatch();
    expect(batch.maxSizeInBytes).toBe(256 * 1024);
    expect(batch.tryAddMessage({ body: 'four' })).toBe(true);
    expect(batch.tryAddMessage({ body: 'five' })).toBe(true);
    expect(batch.tryAddMessage({ body: 'x'.repeat(300 * 1024) })).toBe(false);
    await sender.sendMessages(batch);
    const { receiver, got } = await receiveAll('basic', 5);
    expect(bodies(got)).toEqual(['one', { two: 2 }, 'three', 'four', 'five']);
    const seqs = got.map((m) => m.sequenceNumber?.toNumber());
    expect(seqs).toEqual([...seqs].sort((a, b) => (a ?? 0) - (b ?? 0)));
    expect(new Set(seqs).size).toBe(5);
    expect(got[0]?.messageId).toBe('id-1');
    expect(got[0]?.applicationProperties).toEqual({ n: 1 });
    expect(got[1]?.messageId).toEqual(expect.any(String));
    expect(got[2]?.contentType).toBe('text/plain');
    expect(got[2]?.subject).toBe('s');
    expect(got.every((m) => m.deliveryCount === 0 && m.lockToken && m.lockedUntilUtc && m.enqueuedTimeUtc)).toBe(true);
    for (const m of got) await receiver.completeMessage(m);
    expect(await receiver.peekMessages(10)).toHaveLength(0);
    await receiver.close();
    await sender.close();
  });

  it('abandon counts a delivery, defer hides until received by sequence number, dead-letter keeps reason, description and properties', async () => {
    const sender = broker.client.createSender('settle');
    await sender.sendMessages([{ body: 'abandon' }, { body: 'defer' }, { body: 'dead' }]);
    const { receiver, got } = await receiveAll('settle', 3);
    const [a, d, x] = got as [ServiceBusReceivedMessage, ServiceBusReceivedMessage, ServiceBusReceivedMessage];
    await receiver.abandonMessage(a, { reason: 'retry' });
    await receiver.deferMessage(d);
    await receiver.deadLetterMessage(x, { deadLetterReason: 'Invalid', deadLetterErrorDescription: 'bad frame', extra: 'yes' });

    const again = await receiver.receiveMessages(5, { maxWaitTimeInMs: 1000 });
    expect(bodies(again)).toEqual(['abandon']);
    expect(again[0]?.deliveryCount).toBe(1);
    expect(again[0]?.applicationProperties?.reason).toBe('retry');
    await receiver.completeMessage(again[0] as ServiceBusReceivedMessage);

    const peeked = await receiver.peekMessages(5);
    expect(peeked.map((m) => [m.body, m.state])).toEqual([['defer', 'deferred']]);
    const [deferred] = await receiver.receiveDeferredMessages([d.sequenceNumber as never]);
    expect(deferred?.body).toBe('defer');
    expect(deferred?.state).toBe('deferred');
    await receiver.renewMessageLock(deferred as ServiceBusReceivedMessage);
    await receiver.completeMessage(deferred as ServiceBusReceivedMessage);
    await expect(receiver.receiveDeferredMessages([d.sequenceNumber as never])).rejects.toMatchObject({ code: 'MessageNotFound' });

    const { receiver: dlq, got: dead } = await receiveAll('settle', 1, { subQueueType: 'deadLetter' });
    expect(dead[0]?.body).toBe('dead');
    expect(dead[0]?.deadLetterReason).toBe('Invalid');
    expect(dead[0]?.deadLetterErrorDescription).toBe('bad frame');
    expect(dead[0]?.applicationProperties?.extra).toBe('yes');
    expect(dead[0]?.sequenceNumber?.toNumber()).toBe(x.sequenceNumber?.toNumber());
    await dlq.completeMessage(dead[0] as ServiceBusReceivedMessage);
    await Promise.all([dlq.close(), receiver.close(), sender.close()]);
  });

  it('renews locks; an expired lock redelivers with delivery count + 1 and a late settle gets MessageLockLost', async () => {
    const sender = broker.client.createSender('locks');
    await sender.sendMessages([{ body: 'renewed' }, { body: 'expires' }]);
    const receiver = broker.client.createReceiver('locks', { maxAutoLockRenewalDurationInMs: 0 });
    const got = await receiver.receiveMessages(2, { maxWaitTimeInMs: 2000 });
    const renewed = got.find((m) => m.body === 'renewed') as ServiceBusReceivedMessage;
    const expires = got.find((m) => m.body === 'expires') as ServiceBusReceivedMessage;
    const before = renewed.lockedUntilUtc?.getTime() ?? 0;
    for (let i = 0; i < 3; i++) {
      await sleep(600);
      const until = await receiver.renewMessageLock(renewed);
      expect(until.getTime()).toBeGreaterThan(before);
    }
    // 1.8 s have passed: the un-renewed lock (1 s) has expired.
    const err = await receiver.completeMessage(expires).catch((e: unknown) => e);
    expect(isServiceBusError(err) && err.code).toBe('MessageLockLost');
    await receiver.completeMessage(renewed);
    const redelivered = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    expect(redelivered[0]?.body).toBe('expires');
    expect(redelivered[0]?.deliveryCount).toBe(1);
    await receiver.completeMessage(redelivered[0] as ServiceBusReceivedMessage);
    await Promise.all([receiver.close(), sender.close()]);
  });

  it('moves a message past MaxDeliveryCount to the dead-letter queue with reason MaxDeliveryCountExceeded', async () => {
    await broker.client.createSender('maxdc').sendMessages({ body: 'poison' });
    const receiver = broker.client.createReceiver('maxdc');
    for (let i = 0; i < 2; i++) {
      const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
      expect(m?.deliveryCount).toBe(i);
      await receiver.abandonMessage(m as ServiceBusReceivedMessage);
    }
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toHaveLength(0);
    const { receiver: dlq, got } = await receiveAll('maxdc', 1, { subQueueType: 'deadLetter' });
    expect(got[0]?.body).toBe('poison');
    expect(got[0]?.deadLetterReason).toBe('MaxDeliveryCountExceeded');
    await Promise.all([dlq.close(), receiver.close()]);
  });

  it('expires messages by TTL: into the dead-letter queue when configured, gone otherwise', async () => {
    await broker.client.createSender('ttl').sendMessages([{ body: 'short', timeToLive: 300 }, { body: 'long' }]);
    await broker.client.createSender('ttlnodl').sendMessages({ body: 'vanishes' });
    await sleep(700);
    const { receiver, got } = await receiveAll('ttl', 1);
    expect(bodies(got)).toEqual(['long']);
    const { receiver: dlq, got: dead } = await receiveAll('ttl', 1, { subQueueType: 'deadLetter' });
    expect(dead[0]?.body).toBe('short');
    expect(dead[0]?.deadLetterReason).toBe('TTLExpiredException');
    const gone = broker.client.createReceiver('ttlnodl');
    expect(await gone.receiveMessages(1, { maxWaitTimeInMs: 300 })).toHaveLength(0);
    expect(await broker.client.createReceiver('ttlnodl', { subQueueType: 'deadLetter' }).peekMessages(5)).toHaveLength(0);
    await Promise.all([receiver.close(), dlq.close(), gone.close()]);
  });

  it('receiveAndDelete removes on delivery; peek pages without locking', async () => {
    const sender = broker.client.createSender('peek');
    await sender.sendMessages(Array.from({ length: 7 }, (_, i) => ({ body: i })));
    const peeker = broker.client.createReceiver('peek');
    const first = await peeker.peekMessages(3);
    const second = await peeker.peekMessages(3);
    const third = await peeker.peekMessages(3);
    expect([...bodies(first), ...bodies(second), ...bodies(third)]).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(first[0]?.lockToken).toBeUndefined();
    const fromStart = await peeker.peekMessages(2, { fromSequenceNumber: first[0]?.sequenceNumber as never });
    expect(bodies(fromStart)).toEqual([0, 1]);
    const { got } = await receiveAll('peek', 7, { mode: 'receiveAndDelete' });
    expect(bodies(got)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(await peeker.peekMessages(10, { fromSequenceNumber: first[0]?.sequenceNumber as never })).toHaveLength(0);
    await Promise.all([peeker.close(), sender.close()]);
  });

  it('competing receivers get different messages', async () => {
    await broker.client.createSender('compete').sendMessages(Array.from({ length: 20 }, (_, i) => ({ body: i })));
    const r1 = broker.client.createReceiver('compete');
    const r2 = broker.client.createReceiver('compete');
    const [a, b] = await Promise.all([r1.receiveMessages(10, { maxWaitTimeInMs: 2000 }), r2.receiveMessages(10, { maxWaitTimeInMs: 2000 })]);
    const all = [...bodies(a), ...bodies(b)];
    expect(new Set(all).size).toBe(all.length);
    expect(a.length).toBeGreaterThan(0);
    expect(b.length).toBeGreaterThan(0);
    await Promise.all([...a.map((m) => r1.completeMessage(m)), ...b.map((m) => r2.completeMessage(m))]);
    await Promise.all([r1.close(), r2.close()]);
  });

  it('subscribe() streams messages to the handler and completes them', async () => {
    await broker.client.createSender('stream').sendMessages(Array.from({ length: 5 }, (_, i) => ({ body: i })));
    const receiver = broker.client.createReceiver('stream');
    const seen: unknown[] = [];
    const sub = receiver.subscribe(
      { processMessage: async (m) => void seen.push(m.body), processError: async () => undefined },
      { maxConcurrentCalls: 2 },
    );
    const deadline = Date.now() + 10_000;
    while (seen.length < 5 && Date.now() < deadline) await sleep(50);
    await sub.close();
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
    await sleep(200);
    expect(await receiver.peekMessages(10)).toHaveLength(0);
    await receiver.close();
  });

  it('drops a duplicate message id inside the detection window', async () => {
    const sender = broker.client.createSender('dedupe');
    await sender.sendMessages({ body: 'first', messageId: 'same' });
    await sender.sendMessages({ body: 'second', messageId: 'same' });
    await sender.sendMessages({ body: 'other', messageId: 'different' });
    const { receiver, got } = await receiveAll('dedupe', 2);
    expect(bodies(got)).toEqual(['first', 'other']);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toHaveLength(0);
    await receiver.close();
  });

  it('schedules messages (scheduleMessages and scheduledEnqueueTimeUtc) and cancels them', async () => {
    const sender = broker.client.createSender('sched');
    const at = new Date(Date.now() + 1200);
    const [keep, cancel] = await sender.scheduleMessages([{ body: 'keep' }, { body: 'cancel' }], at);
    await sender.sendMessages({ body: 'via-property', scheduledEnqueueTimeUtc: at });
    const receiver = broker.client.createReceiver('sched');
    const peeked = await receiver.peekMessages(5);
    expect(peeked.map((m) => m.state)).toEqual(['scheduled', 'scheduled', 'scheduled']);
    expect(peeked[0]?.sequenceNumber?.toNumber()).toBe(keep?.toNumber());
    await sender.cancelScheduledMessages([cancel as never]);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toHaveLength(0);
    const { got } = await receiveAll('sched', 2);
    expect(bodies(got).sort()).toEqual(['keep', 'via-property']);
    expect(got.every((m) => (m.enqueuedTimeUtc?.getTime() ?? 0) >= at.getTime() - 5)).toBe(true);
    await receiver.close();
  });

  it('refuses an unknown entity promptly with MessagingEntityNotFound', async () => {
    const started = Date.now();
    const err = await broker.client.createSender('missing').sendMessages({ body: 1 }).catch((e: unknown) => e);
    expect(isServiceBusError(err) && err.code).toBe('MessagingEntityNotFound');
    const rerr = await broker.client.createReceiver('missing').receiveMessages(1, { maxWaitTimeInMs: 1000 }).catch((e: unknown) => e);
    expect(isServiceBusError(rerr) && rerr.code).toBe('MessagingEntityNotFound');
    const perr = await broker.client.createReceiver('basic/Subscriptions/none').peekMessages(1).catch((e: unknown) => e);
    expect(isServiceBusError(perr) && perr.code).toBe('MessagingEntityNotFound');
    expect(Date.now() - started).toBeLessThan(8000);
  });
});
