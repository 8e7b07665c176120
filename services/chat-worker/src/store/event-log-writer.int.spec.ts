import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventLogEntity, Tables, type ChatEvent } from '@parley/contracts';
import { startAzurite, startTables, type StandIn } from '@parley/testkit';
import { events } from '../testing/bus.js';
import { tableRows } from '../testing/worker.js';
import { TableChatStore } from './table-store.js';

/** One user's events (one log partition per hour): what a session's batch appends. */
const backlog = (user: string, count: number, textBytes = 2_048): ChatEvent[] =>
  Array.from({ length: count }, (_, i) => events.message({ user, connectionId: `conn-${user}` }, { type: 'send', id: `${user}-${i}`, text: 'x'.repeat(textBytes) }));

describe.each([
  ['emulators/tables', startTables],
  ['Azurite', startAzurite],
] as const)('the event log writer against %s', (_name, startService) => {
  let service: StandIn;
  let store: TableChatStore;
  const requests: Array<{ operation: string; share: number }> = [];

  beforeAll(async () => {
    service = await startService();
    const root = new TableChatStore({ kind: 'connectionString', connectionString: service.connectionString });
    await root.init();
    store = root.forEvent((table, operation, share) => {
      if (table === Tables.events) requests.push({ operation, share: share ?? 1 });
    });
  });
  afterAll(async () => {
    await service?.stop();
  });

  const logged = async (list: readonly ChatEvent[]) => {
    const ids = new Set(list.map((event) => event.metadata.eventId));
    return (await tableRows(service.connectionString, Tables.events)).filter((row) => ids.has(String(row.rowKey)));
  };

  it('writes the appends of one turn as one transaction per partition, each row once', async () => {
    requests.length = 0;
    const list = backlog('dana', 30);
    const results = await Promise.all(list.map((event) => store.appendEvent(event, new Date(event.metadata.receivedAt))));
    expect(results).toEqual(list.map(() => 'appended'));
    expect(requests.map((r) => r.operation)).toEqual(list.map(() => 'transaction'));
    expect(requests.reduce((sum, r) => sum + r.share, 0)).toBeCloseTo(1);
    const rows = await logged(list);
    expect(rows.map((row) => row.rowKey).sort()).toEqual(list.map((event) => event.metadata.eventId).sort());
    expect(rows[0]!.envelope).toBe(eventLogEntity(list.find((event) => event.metadata.eventId === rows[0]!.rowKey)!).envelope);
  });

  it('says which rows were there already when a redelivered event shares the transaction', async () => {
    const list = backlog('erin', 5);
    await store.appendEvent(list[2]!, new Date(list[2]!.metadata.receivedAt));
    const results = await Promise.all(list.map((event) => store.appendEvent(event, new Date(event.metadata.receivedAt))));
    expect(results).toEqual(['appended', 'appended', 'exists', 'appended', 'appended']);
    expect((await logged(list)).length).toBe(5);
  });

  it('splits a turn past 100 rows into transactions within the service limits', async () => {
    requests.length = 0;
    const list = backlog('finn', 130, 64);
    const results = await Promise.all(list.map((event) => store.appendEvent(event, new Date(event.metadata.receivedAt))));
    expect(results.every((result) => result === 'appended')).toBe(true);
    // Two transactions: 100 rows, then 30; every event counted for its share of one.
    expect(requests.reduce((sum, r) => sum + r.share, 0)).toBeCloseTo(2);
    expect((await logged(list)).length).toBe(130);
  });
});
