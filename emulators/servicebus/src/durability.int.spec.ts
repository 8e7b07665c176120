import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { startChildBroker, type ChildBroker } from './testing/child-broker.js';
import { tempDir, writeConfig } from './testing/harness.js';

const dir = tempDir('sbemu-durable');
const config = writeConfig(dir.path, {
  queues: { work: { LockDuration: 'PT30S', MaxDeliveryCount: 10 }, sess: { RequiresSession: true } },
  topics: { fan: { props: { RequiresDuplicateDetection: true }, subscriptions: { a: {}, b: {} } } },
});
const dataDir = `${dir.path}/data`;
const args = ['--config', config, '--port', '0', '--data-dir', dataDir];

let broker: ChildBroker | undefined;
afterAll(() => {
  broker?.child.kill('SIGKILL');
  dir.remove();
});

function client(b: ChildBroker): ServiceBusClient {
  return new ServiceBusClient(b.connectionString, { retryOptions: { maxRetries: 1, timeoutInMs: 10_000 } });
}

/** Peeks from the start: a fresh client, since the SDK remembers the last peeked message per entity. */
async function peekAll(b: ChildBroker, entity: string, sub?: string) {
  const c = client(b);
  const receiver = sub ? c.createReceiver(entity, sub) : c.createReceiver(entity);
  const all = await receiver.peekMessages(1000);
  await c.close();
  return all.map((m) => ({ body: m.body as unknown, seq: m.sequenceNumber?.toNumber(), dc: m.deliveryCount, state: m.state }));
}

describe('the bin with --data-dir', () => {
  let before: { work: unknown[]; a: unknown[]; b: unknown[] };
  let scheduledSeq: number;

  beforeAll(async () => {
    broker = await startChildBroker(args);
  });

  it('logs exactly one ready line with the port and connection string', () => {
    const ready = broker?.lines.filter((l) => l.includes('"msg":"ready"')) ?? [];
    expect(ready).toHaveLength(1);
    const entry = JSON.parse(ready[0] as string) as { port: number; connectionString: string };
    expect(entry.port).toBeGreaterThan(0);
    expect(entry.connectionString).toBe(
      `Endpoint=sb://127.0.0.1:${entry.port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;`,
    );
  });

  it('recovers every unsettled and scheduled message with sequence number and delivery count after kill -9', async () => {
    const b = broker as ChildBroker;
    const c = client(b);
    await c.createSender('work').sendMessages(Array.from({ length: 20 }, (_, i) => ({ body: `w${i}` })));
    [scheduledSeq] = (await c.createSender('work').scheduleMessages({ body: 'later' }, new Date(Date.now() + 3_600_000))).map((s) => s.toNumber()) as [number];
    await c.createSender('fan').sendMessages([{ body: 'f1', messageId: 'f1' }, { body: 'f2', messageId: 'f2' }]);
    const receiver = c.createReceiver('work');
    const got: ServiceBusReceivedMessage[] = [];
    while (got.length < 6) got.push(...(await receiver.receiveMessages(6 - got.length, { maxWaitTimeInMs: 1000 })));
    for (const m of got.slice(0, 3)) await receiver.completeMessage(m);
    for (const m of got.slice(3, 5)) await receiver.abandonMessage(m);
    await receiver.deferMessage(got[5] as ServiceBusReceivedMessage);
    const fa = c.createReceiver('fan', 'a');
    const [f] = await fa.receiveMessages(1, { maxWaitTimeInMs: 1000 });
    await fa.completeMessage(f as ServiceBusReceivedMessage);
    await c.createSender('sess').sendMessages({ body: 's1', sessionId: 'S' });
    const s = await c.acceptSession('sess', 'S');
    await s.setSessionState('remember me');
    await s.close();
    before = { work: await peekAll(b, 'work'), a: await peekAll(b, 'fan', 'a'), b: await peekAll(b, 'fan', 'b') };
    await c.close();

    b.child.kill('SIGKILL');
    expect(await b.exited).toBe('SIGKILL');
    broker = await startChildBroker(args);
    const c2 = client(broker);
    const after = { work: await peekAll(broker, 'work'), a: await peekAll(broker, 'fan', 'a'), b: await peekAll(broker, 'fan', 'b') };
    expect(after).toEqual(before);
    expect(after.work).toHaveLength(18);
    expect(after.work.filter((m) => m.dc === 1)).toHaveLength(2);
    expect(after.work.find((m) => m.seq === scheduledSeq)).toMatchObject({ state: 'scheduled', body: 'later' });
    expect(after.work.filter((m) => m.state === 'deferred')).toHaveLength(1);
    expect(after.a.map((m) => m.body)).toEqual(['f2']);

    // Sequence numbers continue; duplicate detection and session state survived.
    const [next] = await c2.createSender('work').scheduleMessages({ body: 'next' }, new Date(Date.now() + 3_600_000));
    expect(next?.toNumber()).toBeGreaterThan(scheduledSeq);
    await c2.createSender('fan').sendMessages({ body: 'dup', messageId: 'f1' });
    expect((await peekAll(broker, 'fan', 'b')).map((m) => m.body)).toEqual(['f1', 'f2']);
    const s2 = await c2.acceptSession('sess', 'S');
    expect(await s2.getSessionState()).toBe('remember me');
    await s2.close();
    await c2.close();
  });

  it('SIGTERM closes cleanly with exit code 0', async () => {
    const b = broker as ChildBroker;
    b.child.kill('SIGTERM');
    expect(await b.exited).toBe(0);
    expect(b.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    broker = undefined;
  });

  it('stops with a message naming the field of a bad config', async () => {
    const bad = writeConfig(`${dir.path}`, { queues: { q: { LockDuration: 'one minute' } } });
    const err = await startChildBroker(['--config', bad, '--port', '0']).catch((e: unknown) => e);
    expect(String(err)).toContain('UserConfig.Namespaces[0].Queues[0].Properties.LockDuration');
  });
});
