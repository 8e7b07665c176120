import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { eventsPartitionKey, Tables, type ChatEvent } from '@parley/contracts';
import { startTables, type StandIn } from '@parley/testkit';
import { eventFactory, eventRow } from '../testing/events.js';
import { readHour, readLog } from './event-log.js';

/**
 * The event log is spread over an hour's shards by user; logs written before that hold an
 * hour in one partition. Readers merge whatever an hour has back into event id order.
 */
describe('event log reading (real Table emulator)', () => {
  let tables: StandIn;
  let table: TableClient;
  const event = eventFactory();
  const at = (iso: string) => new Date(iso);
  const users = Array.from({ length: 12 }, (_, i) => `user-${i}`);
  // Two hours of one hub, many users (so many shards), and another hub whose name extends this one's.
  const chat: ChatEvent[] = [
    ...users.map((userId, i) => event({ kind: 'connected', connectionId: `c-${userId}`, userId, at: at(`2025-05-01T09:${String(10 + i).padStart(2, '0')}:00Z`) })),
    ...users.map((userId, i) => event({ kind: 'message', connectionId: `c-${userId}`, userId, at: at(`2025-05-01T10:${String(10 + i).padStart(2, '0')}:00Z`) })),
  ];
  const other = [event({ kind: 'connected', connectionId: 'c-x', userId: 'x', hub: 'chat_2', at: at('2025-05-01T09:30:00Z') })];
  // Written before the spread: the hour's single partition, interleaved in time with the shards' rows.
  const legacy = [
    event({ kind: 'message', connectionId: 'c-old', userId: 'old', at: at('2025-05-01T09:10:30Z') }),
    event({ kind: 'message', connectionId: 'c-old', userId: 'old', at: at('2025-05-01T09:15:30Z') }),
  ];

  beforeAll(async () => {
    tables = await startTables();
    table = TableClient.fromConnectionString(tables.connectionString, Tables.events, { allowInsecureConnection: true });
    await table.createTable();
    // Written in reverse, so the service's order is all the readers can rely on.
    for (const e of [...chat, ...other].reverse()) await table.createEntity(eventRow(e));
    for (const e of legacy) await table.createEntity({ ...eventRow(e), partitionKey: eventsPartitionKey('chat', new Date(e.metadata.receivedAt)) });
  });
  afterAll(async () => tables?.stop());

  const ids = (list: readonly ChatEvent[]) => list.map((e) => e.metadata.eventId).sort();

  it('spreads one hour over several partitions', async () => {
    const partitions = new Set<string>();
    for await (const row of table.listEntities({ queryOptions: { select: ['PartitionKey'] } })) partitions.add(row.partitionKey!);
    expect([...partitions].filter((key) => key.startsWith('chat_2025050109_')).length).toBeGreaterThan(4);
  });

  it('reads an hour of a hub in event id order across its shards and its older single partition', async () => {
    const rows = [];
    for await (const row of readHour(table, 'chat', at('2025-05-01T09:00:00Z'))) rows.push(row.rowKey);
    expect(rows).toEqual(ids([...chat.slice(0, users.length), ...legacy]));
  });

  it('reads the whole log, or one hub\'s, hour after hour, each in event id order', async () => {
    const all = [];
    for await (const row of readLog(table)) all.push(row.rowKey);
    const chatHours = [];
    for await (const row of readLog(table, 'chat', ['PartitionKey', 'RowKey', 'hub'])) chatHours.push(row);

    // Hub `chat` (with `chat_2` after it: its keys sort after every hour of `chat`): each hour merged.
    expect(all).toEqual([...ids([...chat.slice(0, users.length), ...legacy]), ...ids(chat.slice(users.length)), ...ids(other)]);
    // The prefix of `chat` also matches `chat_2`: the caller tells them apart by `hub`.
    expect(chatHours.map((row) => row.rowKey)).toEqual(all);
    expect(chatHours.at(-1)?.hub).toBe('chat_2');
  });

  it('reads nothing from a log that does not exist yet', async () => {
    const missing = TableClient.fromConnectionString(tables.connectionString, 'nosuchevents', { allowInsecureConnection: true });
    const rows = [];
    for await (const row of readLog(missing)) rows.push(row);
    for await (const row of readHour(missing, 'chat', at('2025-05-01T09:00:00Z'))) rows.push(row);
    expect(rows).toEqual([]);
  });
});
