import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { startBroker, type Broker } from './testing/harness.js';

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker({
    topics: {
      events: {
        props: { RequiresDuplicateDetection: true, DuplicateDetectionHistoryTimeWindow: 'PT1M' },
        subscriptions: {
          all: { MaxDeliveryCount: 1 },
          audit: {},
          red: {
            Rules: [
              { Name: 'red', Properties: { FilterType: 'Correlation', CorrelationFilter: { Label: 'paint', Properties: { color: 'red' } } } },
              { Name: 'urgent', Properties: { FilterType: 'Correlation', CorrelationFilter: { CorrelationId: 'urgent' } } },
            ],
          },
        },
      },
    },
  });
});
afterAll(async () => {
  await broker.close();
});

async function drain(path: string, sub: string, deadLetter = false): Promise<ServiceBusReceivedMessage[]> {
  const receiver = broker.client.createReceiver(path, sub, deadLetter ? { subQueueType: 'deadLetter' } : {});
  const out: ServiceBusReceivedMessage[] = [];
  for (;;) {
    const got = await receiver.receiveMessages(10, { maxWaitTimeInMs: 400 });
    if (got.length === 0) break;
    for (const m of got) await receiver.completeMessage(m);
    out.push(...got);
  }
  await receiver.close();
  return out;
}

describe('topics and subscriptions with the real SDK', () => {
  it('fans out to every subscription whose rules match, once per message id', async () => {
    const sender = broker.client.createSender('events');
    await sender.sendMessages([
      { body: 'plain', messageId: 'm1' },
      { body: 'red paint', messageId: 'm2', subject: 'paint', applicationProperties: { color: 'red' } },
      { body: 'blue paint', messageId: 'm3', subject: 'paint', applicationProperties: { color: 'blue' } },
      { body: 'urgent', messageId: 'm4', correlationId: 'urgent' },
      { body: 'plain again', messageId: 'm1' },
    ]);
    const all = await drain('events', 'all');
    const audit = await drain('events', 'audit');
    const red = await drain('events', 'red');
    expect(all.map((m) => m.body)).toEqual(['plain', 'red paint', 'blue paint', 'urgent']);
    expect(audit.map((m) => m.body)).toEqual(all.map((m) => m.body));
    expect(red.map((m) => m.body)).toEqual(['red paint', 'urgent']);
    // A message carries the topic's sequence number in every subscription.
    expect(red[0]?.sequenceNumber?.toNumber()).toBe(all[1]?.sequenceNumber?.toNumber());
    await sender.close();
  });

  it('dead-letters per subscription and lists its rules', async () => {
    await broker.client.createSender('events').sendMessages({ body: 'fails', messageId: 'dl-1' });
    const receiver = broker.client.createReceiver('events', 'all');
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    await receiver.abandonMessage(m as ServiceBusReceivedMessage);
    await receiver.close();
    const dead = await drain('events', 'all', true);
    expect(dead.map((d) => [d.body, d.deadLetterReason])).toEqual([['fails', 'MaxDeliveryCountExceeded']]);
    expect(await drain('events', 'audit', true)).toHaveLength(0);
    expect((await drain('events', 'audit')).map((d) => d.body)).toEqual(['fails']);
    const rules = await broker.client.createRuleManager('events', 'red').listRules().byPage().next();
    expect(rules.value?.map((r: { name: string }) => r.name)).toEqual(['red', 'urgent']);
  });
});
