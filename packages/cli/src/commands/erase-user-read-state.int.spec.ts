import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { ServiceBusClient } from '@azure/service-bus';
import { BusEntities, chatEventMessage, Tables, type ChatEvent, type ClientFrame } from '@parley/contracts';
import { sendBySession } from '../replay/send.js';
import { eventFactory } from '../testing/events.js';
import { runCli, waitFor } from '../testing/harness.js';
import { startWorkerFixture, type WorkerFixture } from '../testing/worker-fixture.js';

type Row = Record<string, unknown>;

/** erase-user takes a user's read positions and the index rows of their messages with them; other users' stay. */
describe('parley erase-user: read positions and message index rows (real worker, broker and Azurite)', () => {
  let fixture: WorkerFixture;
  const make = eventFactory();
  let clock = Date.parse('2025-03-03T10:00:00Z');
  const script: ChatEvent[] = [];
  const at = () => new Date((clock += 1_000));
  const say = (user: string, frame: ClientFrame) => {
    const event = make({ kind: 'message', connectionId: `conn-${user}`, userId: user, at: at(), frame });
    script.push(event);
    return event;
  };
  for (const user of ['alice', 'bob']) script.push(make({ kind: 'connected', connectionId: `conn-${user}`, userId: user, at: at() }));
  say('alice', { type: 'join', id: 'a1', room: 'dev' });
  say('bob', { type: 'join', id: 'b1', room: 'dev' });
  const fromAlice = say('alice', { type: 'send', id: 'a2', room: 'dev', text: 'read-secret-of-alice' });
  const fromBob = say('bob', { type: 'send', id: 'b2', room: 'dev', text: 'bob-says' });
  say('alice', { type: 'read', id: 'a3', room: 'dev', message: fromBob.metadata.eventId });
  say('bob', { type: 'read', id: 'b3', room: 'dev', message: fromBob.metadata.eventId });

  const messagesRows = async () => {
    const client = TableClient.fromConnectionString(fixture.azurite.connectionString, Tables.messages, { allowInsecureConnection: true });
    const rows: Row[] = [];
    for await (const row of client.listEntities()) rows.push(row);
    return rows.map((row) => String(row.rowKey));
  };

  beforeAll(async () => {
    fixture = await startWorkerFixture();
    const bus = new ServiceBusClient(fixture.broker.connectionString);
    const sender = bus.createSender(BusEntities.chatEventsTopic);
    await sendBySession(sender, script.map((event) => chatEventMessage(event, { partitions: 1 })), () => undefined);
    await sender.close();
    await bus.close();
    await waitFor(() => fixture.metric('parley_consumer_messages_total'), (n) => n >= script.length, 120_000, 250);
  }, 240_000);
  afterAll(async () => {
    await fixture?.stop();
  });

  it('erases alice’s read position and her message’s index row, and keeps bob’s', async () => {
    const before = await messagesRows();
    for (const key of ['~read:alice', '~read:bob', `~msg:${fromAlice.metadata.eventId}`, `~msg:${fromBob.metadata.eventId}`]) expect(before).toContain(key);

    const result = await runCli(['erase-user', 'alice', '--yes'], fixture.env, fixture.dir);
    expect(result.code).toBe(0);
    const after = await messagesRows();
    expect(after).not.toContain('~read:alice');
    expect(after).not.toContain(`~msg:${fromAlice.metadata.eventId}`);
    expect(after).toContain('~read:bob');
    expect(after).toContain(`~msg:${fromBob.metadata.eventId}`);
  }, 120_000);
});
