import { createConnection, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isServiceBusError, ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { connectionStringFor } from './index.js';
import { startBroker, sleep, type Broker } from './testing/harness.js';

/**
 * A TCP proxy in front of the broker that lets a test wait until a client has sent given
 * bytes. The broker handles one connection's frames in order, so whatever a client sends
 * on the same connection after those bytes is handled after them.
 */
async function watchingProxy(brokerPort: number): Promise<{ port: number; sent(text: string): Promise<void>; close(): Promise<void> }> {
  let fromClients = '';
  let waiters: Array<{ text: string; resolve: () => void }> = [];
  const server: Server = createServer((client) => {
    const upstream = createConnection({ host: '127.0.0.1', port: brokerPort });
    client.on('data', (chunk: Buffer) => {
      // Forwarded first, so the broker has the bytes before a waiting test goes on.
      upstream.write(chunk, () => {
        fromClients += chunk.toString('latin1');
        waiters = waiters.filter((w) => !fromClients.includes(w.text) || (w.resolve(), false));
      });
    });
    upstream.pipe(client);
    const end = () => (client.destroy(), upstream.destroy());
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    sent: (text) => (fromClients.includes(text) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ text, resolve }))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker({
    queues: {
      s: { RequiresSession: true, LockDuration: 'PT5S' },
      next: { RequiresSession: true, LockDuration: 'PT5S' },
      short: { RequiresSession: true, LockDuration: 'PT1S' },
      plain: {},
      pool: { RequiresSession: true, LockDuration: 'PT5S' },
    },
  });
});
afterAll(async () => {
  await broker.close();
});

describe('sessions with the real SDK', () => {
  it('delivers a session to one receiver in order; state get/set; renewSessionLock', async () => {
    const sender = broker.client.createSender('s');
    await sender.sendMessages([
      { body: 'a1', sessionId: 'A' },
      { body: 'b1', sessionId: 'B' },
      { body: 'a2', sessionId: 'A' },
      { body: 'a3', sessionId: 'A' },
    ]);
    const a = await broker.client.acceptSession('s', 'A');
    expect(a.sessionId).toBe('A');
    const got: ServiceBusReceivedMessage[] = [];
    while (got.length < 3) got.push(...(await a.receiveMessages(3 - got.length, { maxWaitTimeInMs: 1000 })));
    expect(got.map((m) => m.body)).toEqual(['a1', 'a2', 'a3']);
    expect(got.every((m) => m.sessionId === 'A')).toBe(true);

    const err = await broker.client.acceptSession('s', 'A').catch((e: unknown) => e);
    expect(isServiceBusError(err) && err.code).toBe('SessionCannotBeLocked');

    expect(await a.getSessionState()).toBeNull();
    await a.setSessionState({ step: 2 });
    expect(await a.getSessionState()).toEqual({ step: 2 });
    const before = a.sessionLockedUntilUtc.getTime();
    await sleep(20);
    const renewed = await a.renewSessionLock();
    expect(renewed.getTime()).toBeGreaterThan(before);
    for (const m of got) await a.completeMessage(m);
    await a.close();

    // Session state outlives the receiver; B is untouched by A's receiver.
    const again = await broker.client.acceptSession('s', 'A');
    expect(await again.getSessionState()).toEqual({ step: 2 });
    await again.setSessionState(null);
    await again.close();
    const b = await broker.client.acceptSession('s', 'B');
    const [b1] = await b.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    expect(b1?.body).toBe('b1');
    await b.completeMessage(b1 as ServiceBusReceivedMessage);
    await b.close();
    await sender.close();
  });

  it('acceptNextSession takes a waiting session, waits for one to get messages, and times out', async () => {
    const sender = broker.client.createSender('next');
    await sender.sendMessages({ body: 'x1', sessionId: 'X' });
    const x = await broker.client.acceptNextSession('next');
    expect(x.sessionId).toBe('X');

    // The accept that must wait and the message that ends its wait share one connection,
    // through a proxy: once the accept's attach (the only frame naming a session filter) has
    // reached the broker, the message sent after it cannot exist before the accept is waiting.
    const proxy = await watchingProxy(broker.emulator.port);
    const viaProxy = new ServiceBusClient(connectionStringFor('127.0.0.1', proxy.port), { retryOptions: { maxRetries: 0, timeoutInMs: 20_000 } });
    let acceptReturned = false;
    const waiting = viaProxy.acceptNextSession('next', { maxAutoLockRenewalDurationInMs: 0 });
    void waiting.then(
      () => (acceptReturned = true),
      () => (acceptReturned = true),
    );
    await proxy.sent('com.microsoft:session-filter');
    expect(acceptReturned, 'the accept returned while no session had a message').toBe(false);
    const proxiedSender = viaProxy.createSender('next');
    await proxiedSender.sendMessages({ body: 'y1', sessionId: 'Y' });
    const y = await waiting;
    expect(y.sessionId).toBe('Y');
    const [y1] = await y.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    expect(y1?.body).toBe('y1');

    const quick = new (await import('@azure/service-bus')).ServiceBusClient(broker.emulator.connectionString, {
      retryOptions: { timeoutInMs: 1500, maxRetries: 0 },
    });
    const started = Date.now();
    const err = await quick.acceptNextSession('next').catch((e: unknown) => e);
    expect(isServiceBusError(err) && err.code).toBe('ServiceTimeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    await quick.close();
    await Promise.all([x.close(), y.close(), sender.close(), proxiedSender.close()]);
    await viaProxy.close();
    await proxy.close();
  });

  it('an expired session lock gives SessionLockLost and the messages come back with delivery count + 1', async () => {
    await broker.client.createSender('short').sendMessages({ body: 'z1', sessionId: 'Z' });
    const z = await broker.client.acceptSession('short', 'Z', { maxAutoLockRenewalDurationInMs: 0 });
    const [m] = await z.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    expect(m?.deliveryCount).toBe(0);
    await sleep(1600);
    const err = await z.completeMessage(m as ServiceBusReceivedMessage).catch((e: unknown) => e);
    expect(isServiceBusError(err) && err.code).toBe('SessionLockLost');
    const again = await broker.client.acceptSession('short', 'Z', { maxAutoLockRenewalDurationInMs: 0 });
    const [m2] = await again.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    expect(m2?.body).toBe('z1');
    expect(m2?.deliveryCount).toBe(1);
    await again.completeMessage(m2 as ServiceBusReceivedMessage);
    await again.close();
  });

  it('refuses messages without a session id on a session queue, and session receivers on plain queues', async () => {
    const err = await broker.client.createSender('s').sendMessages({ body: 'no-session' }).catch((e: unknown) => e);
    expect(isServiceBusError(err)).toBe(true);
    const err2 = await broker.client.acceptSession('plain', 'A').catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(Error);
  });

  it('peeks and defers inside a session', async () => {
    const sender = broker.client.createSender('s');
    await sender.sendMessages([{ body: 'p1', sessionId: 'P' }, { body: 'p2', sessionId: 'P' }, { body: 'q1', sessionId: 'Q' }]);
    const p = await broker.client.acceptSession('s', 'P');
    expect((await p.peekMessages(10)).map((m) => m.body)).toEqual(['p1', 'p2']);
    const [p1, p2] = await p.receiveMessages(2, { maxWaitTimeInMs: 1000 });
    await p.deferMessage(p1 as ServiceBusReceivedMessage);
    await p.completeMessage(p2 as ServiceBusReceivedMessage);
    const [back] = await p.receiveDeferredMessages([p1?.sequenceNumber as never]);
    expect(back?.body).toBe('p1');
    await p.completeMessage(back as ServiceBusReceivedMessage);
    await p.close();
    const q = await broker.client.acceptSession('s', 'Q');
    const [q1] = await q.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    await q.completeMessage(q1 as ServiceBusReceivedMessage);
    await q.close();
    await sender.close();
  });
});

describe('session receivers in the consumer-template style', () => {
  it('subscribe() on sessions accepted with acceptNextSession handles each session in order', async () => {
    const sender = broker.client.createSender('pool');
    const sent: { body: string; sessionId: string }[] = [];
    for (let i = 0; i < 4; i++) for (const sid of ['p0', 'p1', 'p2']) sent.push({ body: `${sid}-${i}`, sessionId: sid });
    await sender.sendMessages(sent);
    const seen = new Map<string, string[]>();
    const receivers = [];
    for (let k = 0; k < 3; k++) {
      const r = await broker.client.acceptNextSession('pool');
      receivers.push(r);
      r.subscribe(
        {
          processMessage: async (m) => {
            seen.set(r.sessionId, [...(seen.get(r.sessionId) ?? []), m.body as string]);
          },
          processError: async () => undefined,
        },
        { autoCompleteMessages: true },
      );
    }
    const deadline = Date.now() + 10_000;
    while ([...seen.values()].flat().length < 12 && Date.now() < deadline) await sleep(50);
    expect(new Set(receivers.map((r) => r.sessionId))).toEqual(new Set(['p0', 'p1', 'p2']));
    for (const sid of ['p0', 'p1', 'p2']) expect(seen.get(sid)).toEqual([0, 1, 2, 3].map((i) => `${sid}-${i}`));
    await sleep(200);
    for (const r of receivers) {
      expect(await r.peekMessages(10)).toHaveLength(0);
      await r.close();
    }
    await sender.close();
  });
});
