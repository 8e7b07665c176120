import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { ServiceBusClient } from '@azure/service-bus';
import { BusEntities, chatEventMessage, PROJECTION_TABLES, Tables, type ChatEvent } from '@parley/contracts';
import type { StandIn } from '@parley/testkit';
import { readLog } from '../replay/event-log.js';
import { sendBySession } from '../replay/send.js';
import { chatScript } from '../testing/chat-script.js';
import { runCli, waitFor } from '../testing/harness.js';
import { snapshotProjections } from '../testing/projections.js';
import { startWorkerFixture, type WorkerFixture } from '../testing/worker-fixture.js';

/**
 * The live run goes through one partition, so the worker applies it in log
 * order, the order a rebuild applies it in (one session per hub). With many
 * partitions live, the order between connections is whatever the worker's
 * concurrency made it, and a rule that reads another user's state (invite,
 * direct message) may have decided otherwise than the log order would.
 */
const LIVE_PARTITIONS = 1;

describe('parley rebuild (real worker, broker and Azurite)', () => {
  let fixture: WorkerFixture;
  let dir: string;
  let azurite: StandIn;
  let broker: StandIn;
  let env: Record<string, string>;
  const events = chatScript({ users: 20, minEvents: 1_000, start: new Date('2025-03-01T10:30:00Z'), stepMs: 4_000 });

  const table = (name: string) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
  const snapshot = () => snapshotProjections(azurite.connectionString);
  const metric = (name: string, outcome?: string) => fixture.metric(name, outcome);
  const settled = () => metric('parley_consumer_messages_total');

  beforeAll(async () => {
    fixture = await startWorkerFixture();
    ({ dir, azurite, broker, env } = fixture);
  }, 240_000);
  afterAll(async () => {
    await fixture?.stop();
  });

  it('rebuilds projections equal to the originals from a session of 1,000+ events', async () => {
    // The live run: the envelopes the gateway would have sent.
    const bus = new ServiceBusClient(broker.connectionString);
    const sender = bus.createSender(BusEntities.chatEventsTopic);
    await sendBySession(
      sender,
      events.map((event: ChatEvent) => chatEventMessage(event, { partitions: LIVE_PARTITIONS })),
      () => undefined,
    );
    await sender.close();
    await bus.close();
    const live = await waitFor(settled, (n) => n >= events.length, 240_000, 500);
    expect(live).toBe(events.length);
    expect(await metric('parley_consumer_messages_total', 'dead-lettered')).toBe(0);
    const original = await snapshot();
    const commandsBefore = await metric('parley_worker_commands_total');
    expect(commandsBefore).toBeGreaterThan(0);

    // The script really exercised the projections.
    // `messages` holds each conversation's messages, the claims of the frames aimed at it and a room's member rows.
    const rowsOf = (kind: RegExp) => original.messages!.filter((row) => kind.test(String(row.rowKey)));
    expect(rowsOf(/^\d/).length).toBeGreaterThan(300);
    // `memberships` holds each user's rooms (the other direction of the member rows) and direct chats (both sides).
    const roomMemberships = original.memberships!.filter((row) => typeof row.room === 'string');
    expect(roomMemberships.length).toBeGreaterThan(5);
    expect(rowsOf(/^~member:/).length).toBe(roomMemberships.length);
    const directChats = original.memberships!.filter((row) => typeof row.peer === 'string').map((row) => `${String(row.user)}→${String(row.peer)}`);
    expect(directChats.length).toBeGreaterThan(2);
    expect(directChats.map((pair) => pair.split('→').reverse().join('→')).sort()).toEqual([...directChats].sort());
    expect(original.presence).toHaveLength(20);
    // Display names: every user has the name of their last sign-in, and messages the name their sender had then.
    expect(original.presence!.every((row) => typeof row.name === 'string' && String(row.name).startsWith(`Ünïcode ${String(row.user)} #`))).toBe(true);
    const senderNames = new Set(rowsOf(/^\d/).map((row) => String(row.fromName)));
    expect([...senderNames].every((name) => name.startsWith('Ünïcode '))).toBe(true);
    expect(senderNames.size).toBeGreaterThan(20);
    expect(rowsOf(/^~claim:/).length).toBeGreaterThan(500);
    expect(original.connections!.length).toBeGreaterThan(0);
    // Private rooms were created and joined by invitation, public ones recorded as public.
    const roomRows = rowsOf(/^~room$/);
    expect(roomRows.filter((row) => row.visibility === 'private').map((row) => row.room).sort()).toEqual(['board of #odd/names?', 'secret']);
    expect(roomRows.filter((row) => row.visibility === 'public').length).toBeGreaterThan(0);
    expect(original.memberships!.filter((row) => row.private === true).length).toBeGreaterThan(1);
    // Non-members' joins of a private room were decided (and refused) on a frozen state that says so.
    expect(rowsOf(/^~claim:/).filter((row) => String(row.state).includes('"state":{"member":false,"visibility":"private"}')).length).toBeGreaterThan(0);

    // The log is spread over each hour's shards (by user), and read back in event id order: the order the rebuild replays.
    const partitions = new Set<string>();
    for await (const row of table(Tables.events).listEntities({ queryOptions: { select: ['PartitionKey'] } })) partitions.add(row.partitionKey!);
    expect(partitions.size).toBeGreaterThan(10);
    const inLogOrder: string[] = [];
    for await (const row of readLog(table(Tables.events), 'chat', ['PartitionKey', 'RowKey', 'hub'])) inLogOrder.push(row.rowKey);
    expect(inLogOrder).toEqual(events.map((event) => event.metadata.eventId).sort());

    // Damage the projections: a stray row, a lost row. The rebuild must undo both.
    await table(Tables.messages).createEntity({ partitionKey: 'chat_lobby', rowKey: 'stray', text: 'not from the log' });
    const lost = original.memberships![0]!;
    await table(Tables.memberships).deleteEntity(String(lost.partitionKey), String(lost.rowKey));

    const result = await runCli(['rebuild', '--yes'], env, dir);
    expect(result.stderr).toContain(`cleared ${Tables.messages}: ${original.messages!.length + 1} rows`);
    expect(result).toMatchObject({ code: 0, stdout: `read ${events.length}, sent ${events.length}, skipped 0\n` });

    await waitFor(settled, (n) => n >= 2 * events.length, 240_000, 500);
    const rebuilt = await snapshot();
    for (const name of PROJECTION_TABLES) expect({ table: name, rows: rebuilt[name] }).toEqual({ table: name, rows: original[name] });
    // Replayed without notifications, and the log itself unchanged.
    expect(await metric('parley_worker_commands_total')).toBe(commandsBefore);
    let logged = 0;
    for await (const _ of table(Tables.events).listEntities({ queryOptions: { select: ['RowKey'] } })) logged += 1;
    expect(logged).toBe(events.length);
  }, 600_000);

  it('asks on a terminal, and changes nothing unless the answer is yes', async () => {
    const before = await snapshot();
    const result = await runCli(['rebuild'], env, dir, '', { answer: 'no' });
    expect(result.stderr).toMatch(/This clears messages, .* for every hub and replays \d+ events\. Type "yes" to go on: /);
    expect(result.stderr).toContain('rebuild cancelled [PARLEY_CLI_USAGE]');
    expect(result.code).toBe(1);
    expect(await snapshot()).toEqual(before);
    expect(before.messages!.length).toBeGreaterThan(0);
  });
});
