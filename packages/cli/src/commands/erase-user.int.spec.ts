import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { ServiceBusClient } from '@azure/service-bus';
import { BusEntities, chatEventMessage, notifierSessionId, PROJECTION_TABLES, Tables, type ChatEvent, type ClientFrame, type NotifierCommand } from '@parley/contracts';
import type { StandIn } from '@parley/testkit';
import { sendBySession } from '../replay/send.js';
import { eventFactory } from '../testing/events.js';
import { runBin, runCli, waitFor } from '../testing/harness.js';
import { startWorkerFixture, type WorkerFixture } from '../testing/worker-fixture.js';

type Row = Record<string, unknown>;
type Snapshot = Record<string, Row[]>;

/** One partition live, so the worker applies the session in log order, the order a rebuild replays it in. */
const LIVE_PARTITIONS = 1;

/**
 * alice and bob in a room, in the lobby and privately; bob invites carol; alice's and bob's
 * events of another hub are dead-lettered. Texts are unique so the log can be searched for them.
 */
function conversation(): ChatEvent[] {
  const make = eventFactory();
  let clock = Date.parse('2025-03-01T10:00:00Z');
  const events: ChatEvent[] = [];
  const at = () => new Date((clock += 1_000));
  const connected = (user: string) => events.push(make({ kind: 'connected', connectionId: `conn-${user}`, userId: user, at: at() }));
  const frame = (user: string, value: ClientFrame, hub?: string) =>
    events.push(make({ kind: 'message', connectionId: `conn-${user}`, userId: user, at: at(), frame: value, ...(hub ? { hub } : {}) }));
  // Their sign-ins: display names from the gateway's verified identity.
  events.push(make({ kind: 'profile', connectionId: '', userId: 'bob', at: at(), name: 'Bob Builder' }));
  events.push(make({ kind: 'profile', connectionId: '', userId: 'alice', at: at(), name: 'Alice Secretname' }));
  connected('bob');
  connected('alice');
  connected('carol');
  frame('bob', { type: 'join', id: 'b1', room: 'dev' });
  frame('alice', { type: 'join', id: 'a1', room: 'dev' });
  frame('alice', { type: 'send', id: 'a2', room: 'dev', text: 'alice-room-secret' });
  frame('bob', { type: 'send', id: 'b2', room: 'dev', text: 'bob-room-hello' });
  frame('alice', { type: 'send', id: 'a3', text: 'alice-lobby-secret' });
  frame('bob', { type: 'send', id: 'b3', text: 'bob-lobby-hello' });
  frame('alice', { type: 'send', id: 'a4', to: 'bob', text: 'alice-dm-secret' });
  frame('bob', { type: 'send', id: 'b4', to: 'alice', text: 'bob-dm-to-alice' });
  frame('bob', { type: 'invite', id: 'b5', room: 'dev', user: 'carol' });
  frame('alice', { type: 'join', id: 'a5', room: 'alice-own' });
  frame('carol', { type: 'send', id: 'c1', room: 'dev', text: 'alice' });
  // Another hub: the worker dead-letters these (PARLEY_WORKER_HUB_MISMATCH).
  frame('alice', { type: 'send', id: 'a6', text: 'alice-dead-letter-secret' }, 'elsewhere');
  frame('bob', { type: 'send', id: 'b6', text: 'bob-dead-letter' }, 'elsewhere');
  return events;
}

describe('parley erase-user (real worker, broker and Azurite)', () => {
  let fixture: WorkerFixture;
  let dir: string;
  let azurite: StandIn;
  let broker: StandIn;
  let env: Record<string, string>;
  const events = conversation();

  const table = (name: string) => TableClient.fromConnectionString(azurite.connectionString, name, { allowInsecureConnection: true });
  async function rows(name: string): Promise<Row[]> {
    const found: Row[] = [];
    for await (const { etag: _etag, timestamp: _timestamp, ...row } of table(name).listEntities()) found.push(row);
    return found;
  }
  async function snapshot(): Promise<Snapshot> {
    const tables: Snapshot = {};
    for (const name of [...PROJECTION_TABLES, Tables.events]) tables[name] = await rows(name);
    return tables;
  }
  const metric = (name: string, outcome?: string) => fixture.metric(name, outcome);
  const settled = () => metric('parley_consumer_messages_total');
  // Any trace of alice: her texts, her id as a value, in a key or inside an envelope — but not carol's message that says "alice".
  const mentionsAlice = (snapshot: Snapshot) =>
    Object.entries(snapshot).flatMap(([name, tableRows]) =>
      tableRows
        .filter((row) => {
          const text = JSON.stringify(row).replaceAll('\\"text\\":\\"alice\\"', '').replaceAll('"text":"alice"', '');
          return /alice-|"alice"|\\"alice\\"|_alice|:alice|Secretname/.test(text);
        })
        .map((row) => ({ table: name, row })),
    );
  const bobsRows = (snapshot: Snapshot) => ({
    messages: snapshot.messages!.filter((row) => row.from === 'bob' && row.to === undefined),
    // Bob's listing of his direct chat with alice is his side of that conversation: it goes with it.
    memberships: snapshot.memberships!.filter((row) => row.user === 'bob' && row.peer !== 'alice'),
    presence: snapshot.presence!.filter((row) => row.user === 'bob'),
    connections: snapshot.connections!.filter((row) => row.user === 'bob'),
  });

  const historyEventIds: Record<string, string> = {};
  /** Sends bob's history frames through the worker and reads its answers from bob's connection's notifier session: the texts, newest first. */
  async function askHistory(frames: ClientFrame[]): Promise<Record<string, string[]>> {
    const make = eventFactory();
    const handled = await settled();
    const asks = frames.map((frame, i) => make({ kind: 'message', connectionId: 'conn-bob', userId: 'bob', at: new Date(Date.now() + i), frame }));
    for (const [i, ask] of asks.entries()) historyEventIds[frames[i]!.id!] = ask.metadata.eventId;
    const bus = new ServiceBusClient(broker.connectionString);
    try {
      const sender = bus.createSender(BusEntities.chatEventsTopic);
      await sendBySession(sender, asks.map((ask) => chatEventMessage(ask, { partitions: LIVE_PARTITIONS })), () => undefined);
      await sender.close();
      await waitFor(settled, (n) => n >= handled + asks.length, 120_000, 250);
      const probe = { action: 'sendToConnection', hub: 'chat', connectionId: 'conn-bob' } as NotifierCommand;
      const receiver = await bus.acceptSession(BusEntities.notificationsQueue, notifierSessionId(probe, 64));
      const answers: Record<string, string[]> = {};
      const deadline = Date.now() + 30_000;
      while (Object.keys(answers).length < frames.length && Date.now() < deadline) {
        for (const message of await receiver.receiveMessages(50, { maxWaitTimeInMs: 1_000 })) {
          const frame = (message.body as { data?: { frame?: { type?: string; id?: string; messages?: { text: string }[] } } }).data?.frame;
          if (frame?.type === 'history' && frame.id !== undefined) answers[frame.id] = frame.messages!.map((one) => one.text);
          await receiver.completeMessage(message);
        }
      }
      await receiver.close();
      return answers;
    } finally {
      await bus.close();
    }
  }

  beforeAll(async () => {
    fixture = await startWorkerFixture();
    ({ dir, azurite, broker, env } = fixture);
    const bus = new ServiceBusClient(broker.connectionString);
    const sender = bus.createSender(BusEntities.chatEventsTopic);
    await sendBySession(sender, events.map((event) => chatEventMessage(event, { partitions: LIVE_PARTITIONS })), () => undefined);
    await sender.close();
    await bus.close();
    expect(await waitFor(settled, (n) => n >= events.length, 180_000, 500)).toBe(events.length);
    expect(await metric('parley_consumer_messages_total', 'dead-lettered')).toBe(2);
  }, 300_000);
  afterAll(async () => {
    await fixture?.stop();
  });

  it('refuses a user of whom nothing is stored, and changes nothing', async () => {
    const before = await snapshot();
    // mallory is named nowhere; carol's message "alice" does not make a user of a word.
    const result = await runBin(['erase-user', 'mallory', '--yes', '--purge-dead-letters'], env, dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('parley: erase-user: no user "mallory" in hub chat');
    expect(result.stderr).toContain('[PARLEY_CLI_USER_UNKNOWN]');
    expect(await snapshot()).toEqual(before);
    const dlq = await runCli(['dlq', 'list', '--entity', 'chat-events/chat-worker', '--json'], env, dir);
    expect(JSON.parse(dlq.stdout)).toMatchObject({ total: 2 });
  }, 120_000);

  it('erases alice from every projection and the log; a rebuild brings nothing of hers back and keeps bob whole', async () => {
    const before = await snapshot();
    // The conversation really stored alice's data everywhere erase-user must reach.
    expect(before.messages!.filter((row) => row.from === 'alice').map((row) => row.text).sort()).toEqual(['alice-dm-secret', 'alice-lobby-secret', 'alice-room-secret']);
    expect(before.memberships!.filter((row) => row.user === 'alice' && row.room !== undefined).map((row) => row.room).sort()).toEqual(['alice-own', 'dev']);
    // Their direct chat is listed on both sides.
    expect(before.memberships!.filter((row) => row.peer !== undefined).map((row) => `${String(row.user)}→${String(row.peer)}`).sort()).toEqual(['alice→bob', 'bob→alice']);
    expect(before.presence!.filter((row) => row.user === 'alice')).toEqual([expect.objectContaining({ name: 'Alice Secretname' })]);
    expect(before.messages!.filter((row) => row.from === 'alice').map((row) => row.fromName)).toEqual(['Alice Secretname', 'Alice Secretname', 'Alice Secretname']);
    expect(before.presence!.filter((row) => row.user === 'bob')).toEqual([expect.objectContaining({ name: 'Bob Builder' })]);
    expect(before.connections!.filter((row) => row.user === 'alice')).toHaveLength(1);
    expect(before.messages!.filter((row) => String(row.rowKey).startsWith('~claim:alice:')).length).toBeGreaterThan(3);
    expect(before.events!.filter((row) => String(row.envelope).includes('alice-')).length).toBeGreaterThan(3);

    const dryRun = await runCli(['erase-user', 'alice', '--dry-run', '--json'], env, dir);
    expect(dryRun.code).toBe(0);
    expect(JSON.parse(dryRun.stdout)).toMatchObject({ user: 'alice', dryRun: true, deadLetters: [{ entity: 'chat-events/chat-worker', reason: 'PARLEY_WORKER_HUB_MISMATCH' }] });
    expect(await snapshot()).toEqual(before);

    const result = await runCli(['erase-user', 'alice', '--purge-dead-letters', '--json'], env, dir);
    expect(result.stderr).toBe('dead letter naming alice: chat-events/chat-worker #' + (JSON.parse(dryRun.stdout) as { deadLetters: { sequenceNumber: string }[] }).deadLetters[0]!.sequenceNumber + ` id=${events.at(-2)!.metadata.eventId} reason=PARLEY_WORKER_HUB_MISMATCH\n`);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { erased: Record<string, number>; purged: number };
    expect(report.purged).toBe(1);
    expect(report.erased).toMatchObject({ memberships: 4, presence: 1, connections: 1, rooms: 0 });

    const erased = await snapshot();
    expect(mentionsAlice(erased)).toEqual([]);
    // The room only alice was in went with her.
    expect(erased.messages!.filter((row) => String(row.partitionKey).includes('alice-own'))).toEqual([]);
    // The log keeps bob's and carol's events except bob's direct message to alice; carol's text "alice" stays.
    const logged = erased.events!.map((row) => row.rowKey);
    const expectedLog = events
      .filter((event) => event.metadata.hub === 'chat' && event.metadata.userId !== 'alice' && !JSON.stringify(event).includes('"to":"alice"'))
      .map((event) => event.metadata.eventId);
    expect(logged.sort()).toEqual(expectedLog.sort());
    expect(erased.messages!.filter((row) => row.from === 'carol').map((row) => row.text)).toEqual(['alice']);
    // bob lost nothing but his side of the conversation with alice.
    const bobBefore = bobsRows(before);
    expect(bobsRows(erased)).toEqual(bobBefore);
    expect(bobBefore.messages.map((row) => row.text).sort()).toEqual(['bob-lobby-hello', 'bob-room-hello']);
    expect(erased.messages!.filter((row) => row.rowKey === '~member:bob' || row.rowKey === '~member:carol')).toHaveLength(2);
    // Only alice's dead letter went.
    const dlq = await runCli(['dlq', 'peek', '--entity', 'chat-events/chat-worker', '--json'], env, dir);
    const left = dlq.stdout.trim().split('\n').map((line) => JSON.parse(line) as { body: ChatEvent });
    expect(left.map((message) => message.body.metadata.userId)).toEqual(['bob']);

    // History, as the worker answers it to bob: the room and the lobby without alice's texts.
    const asked = await askHistory([{ type: 'history', id: 'h-room', room: 'dev' }, { type: 'history', id: 'h-lobby' }]);
    expect(asked['h-room']).toEqual(['alice', 'bob-room-hello']); // newest first: carol's message that says "alice", then bob's
    expect(asked['h-lobby']).toEqual(['bob-lobby-hello']);
    expectedLog.push(...Object.values(historyEventIds));
    const erased2 = await snapshot();

    // Erased means unknown now.
    const again = await runCli(['erase-user', 'alice', '--yes'], env, dir);
    expect(again).toMatchObject({ code: 1 });
    expect(again.stderr).toContain('[PARLEY_CLI_USER_UNKNOWN]');

    // A rebuild from the log derives exactly what erase-user left.
    const handled = await settled();
    const rebuilt = await runCli(['rebuild', '--yes'], env, dir);
    expect(rebuilt).toMatchObject({ code: 0, stdout: `read ${expectedLog.length}, sent ${expectedLog.length}, skipped 0\n` });
    await waitFor(settled, (n) => n >= handled + expectedLog.length, 180_000, 500);
    const after = await snapshot();
    expect(mentionsAlice(after)).toEqual([]);
    expect(bobsRows(after)).toEqual(bobBefore);
    expect(after).toEqual(erased2);
  }, 600_000);
});
