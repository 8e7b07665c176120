import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { receiveUntil, startBroker, tempDir, type Broker, type TestEntities } from './testing/harness.js';

const entities: TestEntities = {
  queues: {
    inbox: { ForwardTo: 'outbox' },
    outbox: {},
    work: { MaxDeliveryCount: 1, ForwardDeadLetteredMessagesTo: 'graveyard' },
    graveyard: {},
    ping: { ForwardTo: 'pong' },
    pong: { ForwardTo: 'ping' },
    toSessions: { ForwardTo: 'sessions' },
    sessions: { RequiresSession: true },
  },
  topics: {
    news: {
      subscriptions: {
        sports: { ForwardTo: 'outbox', Rules: [{ Name: 'sports', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: "topic = 'sports'" } } }] },
        relay: { ForwardTo: 'relayed' },
      },
    },
    relayed: { subscriptions: { last: {} } },
  },
};

const dir = tempDir('sbemu-forward');
let broker: Broker;
beforeAll(async () => {
  broker = await startBroker(entities, { dataDir: dir.path });
});
afterAll(async () => {
  await broker.close();
  dir.remove();
});

const queue = (name: string, deadLetter = false) => broker.client.createReceiver(name, deadLetter ? { subQueueType: 'deadLetter' } : {});

describe('auto-forwarding with the real SDK', () => {
  it('moves what a queue receives to its ForwardTo queue, properties and all', async () => {
    await broker.client.createSender('inbox').sendMessages([
      { body: 'one', messageId: 'id-1', subject: 's', applicationProperties: { a: 1 } },
      { body: 'two' },
    ]);
    const got = await receiveUntil(queue('outbox'), 'two');
    expect(got.map((m) => m.body)).toEqual(['one', 'two']);
    expect(got[0]).toMatchObject({ messageId: 'id-1', subject: 's', applicationProperties: { a: 1 } });
    expect(await queue('inbox').peekMessages(10)).toHaveLength(0);
  });

  it('forwards from subscriptions after their filters, also into another topic', async () => {
    await broker.client.createSender('news').sendMessages([
      { body: 'goal', applicationProperties: { topic: 'sports' } },
      { body: 'rain', applicationProperties: { topic: 'weather' } },
      { body: 'end', applicationProperties: { topic: 'sports' } },
    ]);
    expect((await receiveUntil(queue('outbox'), 'end')).map((m) => m.body)).toEqual(['goal', 'end']);
    const relayed = await receiveUntil(broker.client.createReceiver('relayed', 'last'), 'end');
    expect(relayed.map((m) => m.body)).toEqual(['goal', 'rain', 'end']);
  });

  it('keeps a scheduled message scheduled in the forwarding target', async () => {
    const at = new Date(Date.now() + 3_600_000);
    await broker.client.createSender('inbox').scheduleMessages({ body: 'later' }, at);
    const c = broker.client.createReceiver('outbox');
    const [peeked] = await c.peekMessages(10);
    await c.close();
    expect(peeked).toMatchObject({ body: 'later', state: 'scheduled' });
    expect(peeked?.scheduledEnqueueTimeUtc?.getTime()).toBe(at.getTime());
  });

  it('sends dead letters to ForwardDeadLetteredMessagesTo with their reason', async () => {
    await broker.client.createSender('work').sendMessages([{ body: 'fails' }, { body: 'rejected' }]);
    const receiver = queue('work');
    const got: ServiceBusReceivedMessage[] = [];
    while (got.length < 2) got.push(...(await receiver.receiveMessages(2 - got.length, { maxWaitTimeInMs: 2000 })));
    await receiver.abandonMessage(got.find((m) => m.body === 'fails') as ServiceBusReceivedMessage);
    await receiver.deadLetterMessage(got.find((m) => m.body === 'rejected') as ServiceBusReceivedMessage, { deadLetterReason: 'Bad', deadLetterErrorDescription: 'no good' });
    await receiver.close();
    const dead = await receiveUntil(queue('graveyard'), 'rejected');
    expect(dead.map((m) => [m.body, m.applicationProperties?.DeadLetterReason]).sort()).toEqual([
      ['fails', 'MaxDeliveryCountExceeded'],
      ['rejected', 'Bad'],
    ]);
    expect(await queue('work', true).peekMessages(10)).toHaveLength(0);
  });

  it('dead-letters a message caught in a forwarding loop after four hops', async () => {
    await broker.client.createSender('ping').sendMessages({ body: 'round and round' });
    const [dead] = await receiveUntil(queue('ping', true), 'round and round');
    expect(dead?.deadLetterReason).toBe('MaxTransferHopCountExceeded');
    expect(dead?.deadLetterErrorDescription).toContain('4');
    expect(await queue('pong', true).peekMessages(10)).toHaveLength(0);
  });

  it('dead-letters what a session-enabled target cannot take', async () => {
    await broker.client.createSender('toSessions').sendMessages([{ body: 'no session' }, { body: 'with session', sessionId: 'S' }]);
    const [dead] = await receiveUntil(queue('toSessions', true), 'no session');
    expect([dead?.deadLetterReason, dead?.deadLetterErrorDescription]).toEqual([
      'Session ID is null.',
      "Session enabled entity doesn't allow a message whose session identifier is null.",
    ]);
    const session = await broker.client.acceptSession('sessions', 'S');
    const [m] = await session.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    expect(m?.body).toBe('with session');
    await session.completeMessage(m as ServiceBusReceivedMessage);
    await session.close();
  });

  it('keeps forwarded messages across a restart', async () => {
    await broker.client.createSender('inbox').sendMessages({ body: 'survives' });
    await broker.close();
    broker = await startBroker(entities, { dataDir: dir.path });
    const got = await receiveUntil(queue('outbox'), 'survives');
    expect(got.map((m) => m.body)).toEqual(['survives']);
  });
});
