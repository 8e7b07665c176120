import { loadavg } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { eventually } from '@parley/testkit';
import type { ScalableComponent, Stack } from '@parley/stack';
import { startTestStack } from '@parley/stack/e2e';
import { isReady } from './readiness.js';
import { reportRow } from './report.js';
import { ResilientClient } from './resilient-client.js';
import { countScaling, dmConversation, roomConversation, type ScaleEvent, type SentMessage, type ShownMessage, type StoredMessage } from './scaling-ledger.js';

/** What production runs on; the two-dialect suites (stack e2e, faults) cover the seed dialect with copies. */
const SERVICE = 'webpubsub';
const TRAFFIC_EVERY_MS = 100;
/** After a change, this many more acked messages (about 3 s of traffic) belong to its event. */
const SETTLE_ACKS = 30;
/** Connections opened and closed during each event: presence must end right however their calls are spread. */
const CHURN_PER_EVENT = 4;

interface Conversation {
  readonly name: string;
  readonly members: readonly string[];
  /** `room` for a room, else a direct conversation between the two members. */
  readonly room?: string;
}

describe(`scaling under steady traffic (${SERVICE}): chat-workers 1 → 3 → 1, notifiers 1 → 2 → 1, gateways 3 → 1`, () => {
  let stack: Stack;
  let cleanup: () => Promise<void>;
  let logs: string[] = [];
  const tag = process.pid.toString(36);
  const users = ['ann', 'ben', 'cat', 'dan', 'eve'].map((name) => `scale-${name}-${tag}`);
  const [ann, ben, cat, dan, eve] = users as [string, string, string, string, string];
  const rooms = [`scale-r1-${tag}`, `scale-r2-${tag}`] as const;
  const conversations: Conversation[] = [
    { name: roomConversation(rooms[0]), members: [ann, ben, cat], room: rooms[0] },
    { name: roomConversation(rooms[1]), members: [cat, dan, eve], room: rooms[1] },
    { name: dmConversation(ann, dan), members: [ann, dan] },
    { name: dmConversation(ben, eve), members: [ben, eve] },
  ];
  // Every member of every conversation sends to it in turn: 10 senders, one message each per second.
  const turns = conversations.flatMap((conversation) => conversation.members.map((sender) => ({ sender, conversation })));
  const clients = new Map<string, ResilientClient>();
  const sent: Array<{ sender: string; clientId: string; conversation: string }> = [];
  const churned: string[] = [];
  const events: ScaleEvent[] = [];
  let traffic: NodeJS.Timeout | undefined;
  let turn = 0;
  const startedAt = Date.now();

  const client = (user: string) => clients.get(user)!;
  const totalAcked = () => [...clients.values()].reduce((sum, c) => sum + c.acked.size, 0);
  const totalDeliveries = () => [...clients.values()].reduce((sum, c) => sum + c.deliveries.length, 0);

  beforeAll(async () => {
    // One user sends about one message a second per conversation, resends included: the default rate limit is not under test.
    ({ stack, cleanup, logs } = await startTestStack({
      inMemory: true,
      service: SERVICE,
      scale: { gateway: 3, 'chat-worker': 1, notifier: 1 },
      env: { gateway: { RATE_LIMIT_PER_SECOND: '500', RATE_LIMIT_BURST: '500' } },
    }));
    for (const user of users) {
      const member = new ResilientClient(user, () => stack.gatewayUrl);
      await member.connect();
      clients.set(user, member);
    }
    for (const { room, members } of conversations) {
      if (!room) continue;
      for (const user of members) {
        await client(user).ask({ type: 'join', id: `join-${room}-${user}`, room }, (f) => f.type === 'room' && f.room === room && f.event === 'joined' && f.user === user);
      }
    }
    traffic = setInterval(() => {
      const { sender, conversation } = turns[turn++ % turns.length]!;
      const clientId = `m${turn}`;
      const to = conversation.members.find((member) => member !== sender)!;
      sent.push({ sender, clientId, conversation: conversation.name });
      client(sender).send(
        conversation.room
          ? { type: 'send', id: clientId, room: conversation.room, text: `${conversation.name} ${clientId}` }
          : { type: 'send', id: clientId, to, text: `${conversation.name} ${clientId}` },
      );
    }, TRAFFIC_EVERY_MS);
  });

  afterAll(async () => {
    clearInterval(traffic);
    for (const member of clients.values()) member.close();
    await cleanup?.();
    if (stack) reportRow({ kind: 'figure', name: `scaling test (${SERVICE})`, value: `${Math.round((Date.now() - startedAt) / 1000)} s including the stack start, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}` });
  });

  /** Connections that open and close at once while a scale event runs: their calls land on copies that come and go. */
  async function churn(event: string): Promise<void> {
    await Promise.all(
      Array.from({ length: CHURN_PER_EVENT }, async (_, i) => {
        const user = `scale-churn-${churned.length + i}-${tag}`;
        churned.push(user);
        const passer = new ResilientClient(user, () => stack.gatewayUrl);
        await passer.connect();
        // Half wait for their state frame (a finished connect), half close at once (connect and disconnect race).
        if (i % 2 === 0) await passer.next((f) => f.type === 'state', 60_000).catch(() => undefined);
        passer.close();
      }),
    ).catch((error: unknown) => {
      throw new Error(`churn during ${event}: ${String(error)}`);
    });
  }

  /** A scale event under traffic: its window runs from the change until SETTLE_ACKS more messages were acked after it. */
  async function scaleEvent(name: string, component: ScalableComponent, copies: number, how: 'stop' | 'kill' = 'stop'): Promise<void> {
    onTestFailed(() => console.log(logs.filter((line) => /"level":(40|50|60)/.test(line)).slice(-40).join('\n')));
    const from = Date.now();
    await Promise.all([stack.scale(component, copies, how), churn(name)]);
    expect(stack.copies(component).filter((copy) => copy.running)).toHaveLength(copies);
    await eventually(() => isReady(stack, component), `${component} copies ready`, 90_000, 200);
    const acked = totalAcked();
    await eventually(() => totalAcked() >= acked + SETTLE_ACKS, `traffic after ${name}`, 120_000, 100);
    events.push({ name, from, to: Date.now() });
  }

  it('adds chat-workers 1 → 3 and notifiers 1 → 2', { timeout: 300_000 }, async () => {
    await eventually(() => totalAcked() >= SETTLE_ACKS, 'traffic flowing', 60_000);
    await scaleEvent('chat-worker 1 → 3', 'chat-worker', 3);
    await scaleEvent('notifier 1 → 2', 'notifier', 2);
  });

  it('removes chat-workers 3 → 2 by SIGTERM and 2 → 1 by kill -9', { timeout: 300_000 }, async () => {
    await scaleEvent('chat-worker 3 → 2 (SIGTERM)', 'chat-worker', 2, 'stop');
    await scaleEvent('chat-worker 2 → 1 (kill -9)', 'chat-worker', 1, 'kill');
  });

  it('removes notifiers 2 → 1 by SIGTERM, adds one back, removes it by kill -9', { timeout: 300_000 }, async () => {
    await scaleEvent('notifier 2 → 1 (SIGTERM)', 'notifier', 1, 'stop');
    await scaleEvent('notifier 1 → 2', 'notifier', 2);
    await scaleEvent('notifier 2 → 1 (kill -9)', 'notifier', 1, 'kill');
  });

  it('removes gateways 3 → 2 by SIGTERM and 2 → 1 by kill -9', { timeout: 300_000 }, async () => {
    await scaleEvent('gateway 3 → 2 (SIGTERM)', 'gateway', 2, 'stop');
    await scaleEvent('gateway 2 → 1 (kill -9)', 'gateway', 1, 'kill');
  });

  it('lost nothing acked, duplicated nothing, kept each conversation in send order for every recipient; presence right at the end', { timeout: 300_000 }, async () => {
    clearInterval(traffic);
    await eventually(() => [...clients.values()].every((c) => c.pending.size === 0), 'every frame acked', 120_000);
    let last = -1;
    await eventually(() => {
      const now = totalDeliveries();
      const quiet = now === last;
      last = now;
      return quiet;
    }, 'deliveries settled', 120_000, 2_000);

    const stored = new Map<string, StoredMessage[]>();
    for (const conversation of conversations) stored.set(conversation.name, await readInOrder(client(conversation.members[0]!), conversation));
    const sentMessages: SentMessage[] = sent.map((m) => {
      const sender = client(m.sender);
      const ackedAt = sender.ackedAt.get(m.clientId);
      return { ...m, sentAt: sender.firstSentAt.get(m.clientId)!, ...(ackedAt ? { ackedAt } : {}) };
    });
    const shown: ShownMessage[] = [...clients.values()].flatMap((member) =>
      member.deliveries.map((d) => {
        const [from, clientId] = [d.key.slice(0, d.key.lastIndexOf('/')), d.key.slice(d.key.lastIndexOf('/') + 1)];
        const conversation = d.room ? roomConversation(d.room) : dmConversation(from, d.to!);
        return { member: member.user, conversation, serverId: d.serverId, from, clientId, at: d.at, stampedAt: d.stampedAt };
      }),
    );
    const counts = countScaling({ sent: sentMessages, shown, stored, members: new Map(conversations.map((c) => [c.name, c.members])), events });

    const reconnects = [...clients.values()].map((c) => c.reconnects).reduce((a, b) => a + b, 0);
    const delays = counts.longestDelayMs.map((e) => `${e.event}: ${e.longestDelayMs} ms (${e.messages} sent)`);
    console.log(
      [
        `scaling under traffic (${SERVICE}): ${counts.acked} acked, ${counts.lost.length} lost, ${counts.duplicated.length} duplicated, ` +
          `${counts.outOfOrder.length} out of order, ${counts.redeliveries} redeliveries (same id), ${reconnects} reconnects; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
        'longest delay from send to shown live, per scale event:',
        ...delays.map((line) => `  ${line}`),
      ].join('\n'),
    );
    reportRow({ kind: 'figure', name: `longest delay during a scale event (${SERVICE})`, value: delays.join('; ') });
    reportRow({
      kind: 'figure',
      name: `scaling under traffic (${SERVICE})`,
      value: `${counts.acked} acked, lost ${counts.lost.length}, duplicated ${counts.duplicated.length}, out of order ${counts.outOfOrder.length}, redeliveries ${counts.redeliveries}`,
    });

    // Soft: a failure here still lets the presence check below run and report.
    expect.soft(counts.acked).toBeGreaterThan(events.length * SETTLE_ACKS);
    expect.soft(reconnects, 'member connections stayed open: the WebSocket service holds them, not a gateway').toBe(0);
    expect.soft(counts.lost.slice(0, 10), 'acked messages lost').toEqual([]);
    expect.soft(counts.duplicated.slice(0, 10), 'messages duplicated').toEqual([]);
    expect.soft(counts.outOfOrder.slice(0, 10), 'conversations out of order').toEqual([]);

    // Presence: the five members online, every churned connection offline — as a member was told, and as a new connection is told.
    const ours = new Set([...users, ...churned]);
    const onlineOf = (seen: ReadonlySet<string>) => [...seen].filter((user) => ours.has(user)).sort();
    await eventually(() => JSON.stringify(onlineOf(client(ann).online)) === JSON.stringify([...users].sort()), 'presence right as a member was told', 60_000).catch(
      () => expect(onlineOf(client(ann).online), 'online as ann was told').toEqual([...users].sort()),
    );
    const newcomer = new ResilientClient(`scale-newcomer-${tag}`, () => stack.gatewayUrl);
    const state = newcomer.next((f) => f.type === 'state', 60_000);
    await newcomer.connect();
    const online = ((await state).online as string[]).filter((user) => ours.has(user)).sort();
    newcomer.close();
    expect(online, 'online as a new connection is told').toEqual([...users].sort());
  });
});

let asked = 0;
/** A conversation's stored history, oldest first, paging back as the page does. */
async function readInOrder(reader: ResilientClient, conversation: Conversation): Promise<StoredMessage[]> {
  const other = conversation.members.find((member) => member !== reader.user)!;
  const newestFirst: StoredMessage[] = [];
  let before: string | null = null;
  for (let page = 0; page < 200; page++) {
    const id = `history-${asked++}`;
    const where = conversation.room ? { room: conversation.room } : { with: other };
    const answer = await reader.ask({ type: 'history', id, ...where, limit: 100, ...(before ? { before } : {}) }, (f) => f.type === 'history' && f.id === id, 90_000);
    for (const m of answer.messages as Array<{ id: string; from: string; clientId: string }>) newestFirst.push({ serverId: m.id, from: m.from, clientId: m.clientId });
    before = answer.next as string | null;
    if (!before) break;
  }
  return newestFirst.reverse();
}
