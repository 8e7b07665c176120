import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { ServiceBusClient, type ServiceBusMessage } from '@azure/service-bus';
import { startServiceBus, type StandIn } from '@parley/testkit';
import { brokerConfigWithProbe, isolatedDir, receiveAll, runCli } from '../testing/harness.js';

describe('parley dlq (real broker)', () => {
  let dir: string;
  let broker: StandIn;
  let bus: ServiceBusClient;
  let env: Record<string, string>;

  const notification = (id: string, sessionId: string): ServiceBusMessage => ({
    body: { type: 'notify.command', version: 1, data: { id }, metadata: { commandId: id } },
    messageId: id,
    sessionId,
    subject: 'notify.command',
    contentType: 'application/json',
    applicationProperties: { 'parley.type': 'notify.command', traceparent: `00-${id}-01` },
  });

  /** Sends, takes them from their session and dead-letters them with a reason, as a failing consumer would. */
  async function deadLetter(entity: 'notifications' | 'chat-events', messages: ServiceBusMessage[], reason: string, description: string) {
    const sender = bus.createSender(entity);
    await sender.sendMessages(messages);
    await sender.close();
    for (const sessionId of new Set(messages.map((m) => m.sessionId!))) {
      const receiver = entity === 'notifications' ? await bus.acceptSession(entity, sessionId) : await bus.acceptSession(entity, 'chat-worker', sessionId);
      const wanted = messages.filter((m) => m.sessionId === sessionId).length;
      for (const message of await receiveAll(receiver, wanted)) {
        await receiver.deadLetterMessage(message, { deadLetterReason: reason, deadLetterErrorDescription: description });
      }
      await receiver.close();
    }
  }

  beforeAll(async () => {
    const isolated = await isolatedDir();
    dir = isolated.dir;
    // chat-events without duplicate detection: resubmitting a just-sent id must get through there.
    const config = await brokerConfigWithProbe(dir, (json) => {
      const topic = json.UserConfig.Namespaces[0]!.Topics.find((t) => t.Name === 'chat-events')!;
      topic.Properties = {};
    });
    broker = await startServiceBus({ config });
    env = { SERVICEBUS_CONNECTION_STRING: broker.connectionString, PARLEY_STACK_FILE: isolated.stackFile };
    bus = new ServiceBusClient(broker.connectionString);
    await deadLetter('notifications', [notification('n1', 'p-01'), notification('n2', 'p-02')], 'PARLEY_PERMANENT_FAILURE', 'REST answered 404');
    await deadLetter('notifications', [notification('n3', 'p-01')], 'MaxDeliveryCountExceeded', 'too many deliveries');
    const event = (id: string): ServiceBusMessage => ({ ...notification(id, 'p-05'), subject: 'chat.message', applicationProperties: { 'parley.type': 'chat.message', 'parley.hub': 'chat' } });
    await deadLetter('chat-events', [event('e1'), event('e2')], 'PARLEY_ENVELOPE_INVALID', 'invalid chat.message event at /data');
  });
  afterAll(async () => {
    await bus?.close();
    await broker?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const dlq = (...args: string[]) => runCli(['dlq', ...args], env, dir);

  it('lists counts by reason', async () => {
    const text = await dlq('list', '--entity', 'notifications');
    expect(text.code).toBe(0);
    expect(text.stdout).toBe('notifications/$DeadLetterQueue: 3 message(s)\n  count  reason\n      2  PARLEY_PERMANENT_FAILURE\n      1  MaxDeliveryCountExceeded\n');
    const json = await dlq('list', '--entity', 'chat-events/chat-worker', '--json');
    expect(JSON.parse(json.stdout)).toEqual({ entity: 'chat-events/chat-worker', total: 2, capped: false, reasons: [{ reason: 'PARLEY_ENVELOPE_INVALID', count: 2 }] });
  });

  it('peeks with reason and description, and leaves the messages where they are', async () => {
    const result = await dlq('peek', '--entity', 'notifications', '--json');
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => [line.messageId, line.sessionId, line.deadLetterReason, line.deadLetterErrorDescription])).toEqual([
      ['n1', 'p-01', 'PARLEY_PERMANENT_FAILURE', 'REST answered 404'],
      ['n2', 'p-02', 'PARLEY_PERMANENT_FAILURE', 'REST answered 404'],
      ['n3', 'p-01', 'MaxDeliveryCountExceeded', 'too many deliveries'],
    ]);
    expect(lines[0]!.body).toEqual(notification('n1', 'p-01').body);
    const human = await dlq('peek', '--entity', 'notifications', '--max', '1');
    expect(human.stdout).toMatch(/^#\d+ id=n1 session=p-01 subject=notify.command .*\n {2}reason: PARLEY_PERMANENT_FAILURE — REST answered 404\n {2}body: \{"type":"notify.command"/);
    expect(human.stdout.match(/^#/gm)).toHaveLength(1);
    expect(JSON.parse((await dlq('list', '--entity', 'notifications', '--json')).stdout).total).toBe(3);
  });

  it('resubmits keeping message id, session, body, subject, content type and properties (minus DeadLetter*)', async () => {
    const result = await dlq('resubmit', '--entity', 'chat-events/chat-worker');
    expect(result).toMatchObject({ code: 0, stdout: 'resubmitted 2 message(s) from chat-events/chat-worker/$DeadLetterQueue to chat-events\n' });
    // Progress goes to stderr (a plain line when not on a terminal), so stdout stays the result alone.
    expect(result.stderr).toMatch(/^resubmit: 2\/2 messages/m);
    const receiver = await bus.acceptSession('chat-events', 'chat-worker', 'p-05');
    const back = await receiveAll(receiver, 2);
    await Promise.all(back.map((m) => receiver.completeMessage(m)));
    await receiver.close();
    expect(back.map((m) => [m.messageId, m.sessionId, m.subject, m.contentType])).toEqual([
      ['e1', 'p-05', 'chat.message', 'application/json'],
      ['e2', 'p-05', 'chat.message', 'application/json'],
    ]);
    expect(back[0]!.body).toEqual(notification('e1', 'p-05').body);
    expect(back[0]!.applicationProperties).toEqual({ 'parley.type': 'chat.message', 'parley.hub': 'chat' });
    expect(JSON.parse((await dlq('list', '--entity', 'chat-events/chat-worker', '--json')).stdout).total).toBe(0);
  });

  it('resubmits with --new-id past duplicate detection; a kept id inside the window is dropped by the broker', async () => {
    const fresh = await dlq('resubmit', '--entity', 'notifications', '--new-id', '--max', '2', '--json');
    expect(fresh.code).toBe(0);
    expect(JSON.parse(fresh.stdout)).toEqual({ entity: 'notifications', resubmitted: 2, to: 'notifications' });
    // The bar's total is what the queue held (3), capped by --max.
    expect(fresh.stderr).toMatch(/^resubmit: 2\/2 messages/m);
    const kept = await dlq('resubmit', '--entity', 'notifications');
    expect(kept.stdout).toBe('resubmitted 1 message(s) from notifications/$DeadLetterQueue to notifications\n');
    const arrived: string[] = [];
    for (const sessionId of ['p-01', 'p-02']) {
      const receiver = await bus.acceptSession('notifications', sessionId);
      for (const message of await receiver.receiveMessages(10, { maxWaitTimeInMs: 1_500 })) {
        arrived.push(String(message.messageId));
        await receiver.completeMessage(message);
      }
      await receiver.close();
    }
    // n1 and n2 came back under new ids; n3 kept its id, which the queue saw minutes ago, so the broker dropped it.
    expect(arrived.sort()).toEqual([expect.stringMatching(/^n1:resubmit:\w+$/), expect.stringMatching(/^n2:resubmit:\w+$/)]);
  });

  it('purges and says how many', async () => {
    await deadLetter('notifications', [notification('n4', 'p-03'), notification('n5', 'p-03')], 'X', 'y');
    const purged = await dlq('purge', '--entity', 'notifications', '--json');
    expect(JSON.parse(purged.stdout)).toEqual({ entity: 'notifications', purged: 2 });
    expect(purged.stderr).toMatch(/^purge: 2\/2 messages/m);
    expect((await dlq('list', '--entity', 'notifications')).stdout).toBe('notifications/$DeadLetterQueue: 0 message(s)\n');
  });
});
