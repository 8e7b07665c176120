import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import {
  conversationKey,
  createEventIdGenerator,
  eventLogEntity,
  LEASES_TABLE,
  leaseKeys,
  lobby,
  messageIndexRowKey,
  messageRowKey,
  roomConversation,
  roomMemberKeys,
  Tables,
  type ChatEvent,
} from '@parley/contracts';
import { createLogger } from '@parley/service-kit';
import { startAzurite, type StandIn } from '@parley/testkit';
import { TableLease } from './lease.js';
import { RetentionSweep } from './retention-sweep.js';
import { startRetention } from './retention-task.js';

const HOUR = 3_600_000;
const logger = createLogger('retention-test', 'silent');

describe('retention sweep (Azurite)', () => {
  let azurite: StandIn;
  const table = (name: string) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
  const keysOf = async (name: string) => {
    const keys: string[] = [];
    for await (const row of table(name).listEntities({ queryOptions: { select: ['PartitionKey', 'RowKey'] } })) keys.push(`${row.partitionKey!}|${row.rowKey!}`);
    return keys.sort();
  };

  beforeAll(async () => {
    azurite = await startAzurite();
    await Promise.all([Tables.events, Tables.messages, LEASES_TABLE].map((name) => table(name).createTable()));
  }, 120_000);
  afterAll(async () => {
    await azurite?.stop();
  });

  it('deletes events and messages (with their index rows) older than the retention, one copy at a time, at the configured rate', async () => {
    const now = Date.now();
    let clock = 0;
    const nextId = createEventIdGenerator(() => clock);
    const event = (user: string, at: number, hub = 'chat'): ChatEvent => {
      clock = at;
      const metadata = { eventId: nextId(), hub, connectionId: `conn-${user}`, userId: user, receivedAt: new Date(at).toISOString() };
      return { type: 'chat.message', version: 1, data: { frame: { type: 'send', id: metadata.eventId, text: `text of ${user}` } }, metadata };
    };
    // 150 old events over 30 users (spread over shards and two hours), 5 recent ones, 3 old of a hub sharing the prefix.
    const oldEvents = Array.from({ length: 150 }, (_, i) => event(`user${i % 30}`, now - 3 * HOUR + i * 30_000));
    const newEvents = Array.from({ length: 5 }, (_, i) => event(`user${i}`, now - 60_000 + i));
    const otherHub = Array.from({ length: 3 }, (_, i) => event(`user${i}`, now - 3 * HOUR + i, 'chat_2'));
    for (const row of [...oldEvents, ...newEvents, ...otherHub].map((one) => eventLogEntity(one))) await table(Tables.events).createEntity(row);
    // 120 old messages in the lobby and a room, 3 recent ones; a member row and a claim, which are not messages.
    const message = (partitionKey: string, at: number, id: string) => ({ partitionKey, rowKey: messageRowKey(at, id), messageId: id, from: 'u', text: id, at: new Date(at).toISOString() });
    const lobbyKey = conversationKey('chat', lobby());
    const roomKey = conversationKey('chat', roomConversation('dev'));
    const oldMessages = Array.from({ length: 120 }, (_, i) => message(i % 2 ? lobbyKey : roomKey, now - 2 * HOUR - i * 1_000, `old${i}`));
    const newMessages = [message(lobbyKey, now - 1_000, 'new1'), message(roomKey, now - 2_000, 'new2'), message(roomKey, now, 'new3')];
    for (const row of [...oldMessages, ...newMessages]) await table(Tables.messages).createEntity(row);
    // Their index rows, but for ten old messages written before index rows existed.
    const indexRow = (row: { partitionKey: string; rowKey: string; messageId: string }) => ({ partitionKey: row.partitionKey, rowKey: messageIndexRowKey(row.messageId), messageRowKey: row.rowKey });
    for (const row of [...oldMessages.slice(10), ...newMessages]) await table(Tables.messages).createEntity(indexRow(row));
    await table(Tables.messages).createEntity({ ...roomMemberKeys('chat', 'dev', 'u'), user: 'u' });
    await table(Tables.messages).createEntity({ partitionKey: roomKey, rowKey: '~claim:u:c1', eventId: 'e' });

    const settings = { retentionMs: HOUR, deletesPerSecond: 100 };
    const copy = (owner: string) => new RetentionSweep({ events: table(Tables.events), messages: table(Tables.messages) }, new TableLease(table(LEASES_TABLE), 'chat', 'retention', owner, 60_000), 'chat', settings, logger);
    const started = Date.now();
    const results = await Promise.all([copy('a').run(), copy('b').run()]);
    const elapsed = Date.now() - started;

    // One copy swept, the other saw the lease held and did nothing.
    expect(results.map((result) => result.leader).sort()).toEqual([false, true]);
    expect(results.find((result) => result.leader)).toEqual({ leader: true, events: 150, messages: 120, interrupted: false });
    expect(results.find((result) => !result.leader)).toEqual({ leader: false, events: 0, messages: 0, interrupted: false });
    // 270 deletes at 100 per second take 2.7 s at least.
    expect(elapsed).toBeGreaterThanOrEqual(2_700);

    const kept = (rows: { partitionKey: string; rowKey: string }[]) => rows.map((row) => `${row.partitionKey}|${row.rowKey}`).sort();
    expect(await keysOf(Tables.events)).toEqual(kept([...newEvents, ...otherHub].map((one) => eventLogEntity(one))));
    expect(await keysOf(Tables.messages)).toEqual(
      kept([...newMessages, ...newMessages.map(indexRow), { partitionKey: roomKey, rowKey: '~claim:u:c1' }, roomMemberKeys('chat', 'dev', 'u')]),
    );
  }, 120_000);

  it('the background task sweeps on its timer and stops on request', async () => {
    const partitionKey = conversationKey('hub3', lobby());
    const at = Date.now() - 2 * HOUR;
    await table(Tables.messages).createEntity({ partitionKey, rowKey: messageRowKey(at, 'old'), text: 'old', at: new Date(at).toISOString() });
    await table(Tables.messages).createEntity({ partitionKey, rowKey: messageRowKey(Date.now(), 'new'), text: 'new', at: new Date().toISOString() });
    const task = startRetention({ kind: 'connectionString', connectionString: azurite.connectionString }, 'hub3', { retentionMs: HOUR, deletesPerSecond: 10, sweepEveryMs: 60_000, firstSweepAfterMs: 0 }, logger);
    const texts = async () => {
      const found: unknown[] = [];
      for await (const row of table(Tables.messages).listEntities({ queryOptions: { filter: `PartitionKey eq '${partitionKey}'` } })) found.push(row.text);
      return found;
    };
    const deadline = Date.now() + 30_000;
    while ((await texts()).length > 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    await task.stop();
    expect(await texts()).toEqual(['new']);
  }, 60_000);

  it('a lease held by a live copy blocks, an expired one is taken over, and a holder that lost it stops', async () => {
    let clock = 1_000_000;
    const lease = (owner: string) => new TableLease(table(LEASES_TABLE), 'hub2', 'retention', owner, 10_000, () => clock);
    const first = lease('first');
    const second = lease('second');
    expect(await first.acquire()).toBe(true);
    expect(await second.acquire()).toBe(false);
    clock += 10_001; // first stopped renewing (it died)
    expect(await second.acquire()).toBe(true);
    expect(await first.renew()).toBe(false);
    const row = await table(LEASES_TABLE).getEntity(leaseKeys('hub2', 'retention').partitionKey, 'retention');
    expect(row.owner).toBe('second');
  });
});
