import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBusClient } from '@azure/service-bus';
import { partitionSessionId, roomConversation, type ChatEvent, type ClientFrame, type NotifierCommand } from '@parley/contracts';
import { startServiceBus, startTables, type StandIn } from '@parley/testkit';
import type { ChatStore } from './store/chat-store.js';
import { drainNotifications, events, parleyBusConfig, redelivery, sendEvents, testBusClient } from './testing/bus.js';
import { commandsByEvent, startTestWorker, waitFor, type TestWorker } from './testing/worker.js';

/**
 * Edits, deletes and reactions through the real broker and the stack's default Table service:
 * concurrent reactions of two users on one message (the ETag retry), and redeliveries that
 * must not write an old state over a newer one.
 */
describe('chat-worker: message changes', { timeout: 120_000 }, () => {
  let bus: StandIn;
  let tables: StandIn;
  let client: ServiceBusClient;
  let worker: TestWorker;
  let handled = 0;
  const sent = new Map<string, NotifierCommand[]>();
  /** Reads of a message by id, and a gate the next reads of a message wait at until `gateSize` of them arrived. */
  let findMessageReads = 0;
  let gate: { size: number; waiting: Array<() => void> } | undefined;

  const alice = { user: 'alice', connectionId: 'conn-alice' };
  const bob = { user: 'bob', connectionId: 'conn-bob' };
  const say = (who: typeof alice, frame: ClientFrame) => events.message(who, frame);

  /** The real store; its message reads can be held until several readers got there, so they decide on the same row. */
  const withGate = (store: ChatStore): ChatStore =>
    new Proxy(store, {
      get(target, property, receiver) {
        // No per-event views: they would be the unwrapped store.
        if (property === 'forEvent') return undefined;
        if (property !== 'findMessage') return Reflect.get(target, property, receiver) as unknown;
        return async (...args: Parameters<ChatStore['findMessage']>) => {
          findMessageReads += 1;
          const found = await target.findMessage(...args);
          const held = gate;
          if (held) {
            await new Promise<void>((release) => {
              held.waiting.push(release);
              if (held.waiting.length >= held.size) {
                gate = undefined;
                for (const next of held.waiting) next();
              }
              // Never hang the test: a worker that did not run them at once fails the assertions instead.
              setTimeout(release, 10_000).unref();
            });
          }
          return found;
        };
      },
    });

  async function process(...list: ChatEvent[]): Promise<void> {
    await sendEvents(client, list);
    handled += list.length;
    await waitFor(() => worker.settled(), (n) => n >= handled, 60_000, `${handled} settled messages`);
    const commands = commandsByEvent(await drainNotifications(client, 0, 10_000));
    for (const [eventId, list] of commands) sent.set(eventId, [...(sent.get(eventId) ?? []), ...list.map((c) => c.command)]);
  }
  const commandsOf = (event: ChatEvent) => sent.get(event.metadata.eventId) ?? [];
  const messageIdOf = async (room: string, clientId: string) => {
    const [row] = (await worker.store.readHistory('chat', { conversation: roomConversation(room), limit: 100 })).filter((r) => r.message.clientId === clientId);
    return row!.message.id;
  };

  beforeAll(async () => {
    [bus, tables] = await Promise.all([startServiceBus({ config: parleyBusConfig({ notifications: { RequiresDuplicateDetection: false } }) }), startTables()]);
    client = testBusClient(bus.connectionString);
    worker = await startTestWorker({ bus: bus.connectionString, tables: tables.connectionString, wrapStore: withGate });
    await process(events.connected(alice), events.connected(bob));
    await process(say(alice, { type: 'join', id: 'j1', room: 'dev' }), say(bob, { type: 'join', id: 'j2', room: 'dev' }));
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await client?.close();
    await Promise.all([bus?.stop(), tables?.stop()]);
  });

  it('two users react to one message at once: both reactions are kept (one commit is stale and decided again)', async () => {
    // Different users are different bus sessions, handled at the same time.
    expect(partitionSessionId('alice', 64)).not.toBe(partitionSessionId('bob', 64));
    await process(say(alice, { type: 'send', id: 's1', room: 'dev', text: 'lunch?' }));
    const message = await messageIdOf('dev', 's1');
    const readsBefore = findMessageReads;
    gate = { size: 2, waiting: [] };
    const fromAlice = say(alice, { type: 'react', id: 'r1', room: 'dev', message, emoji: 'thumbsup' });
    const fromBob = say(bob, { type: 'react', id: 'r2', room: 'dev', message, emoji: 'thumbsup' });
    await process(fromAlice, fromBob);
    expect(gate).toBeUndefined();
    // Both read the row before either stored; the loser read it again.
    expect(findMessageReads - readsBefore).toBe(3);
    const stored = (await worker.store.findMessage('chat', roomConversation('dev'), message))!.message;
    expect(stored.reactions).toEqual([{ emoji: 'thumbsup', count: 2, users: expect.arrayContaining(['alice', 'bob']) }]);
    // Each told the room; the second update carries both.
    const updates = [fromAlice, fromBob].map((event) => commandsOf(event)[0] as { frame: { reactions: Array<{ count: number }> } });
    expect(updates.map((update) => update.frame.reactions[0]!.count).sort()).toEqual([1, 2]);
  });

  it('a redelivered reaction or send never writes its old state over a later edit or delete', async () => {
    await process(say(alice, { type: 'send', id: 's2', room: 'dev', text: 'typo hree' }));
    const message = await messageIdOf('dev', 's2');
    const react = say(bob, { type: 'react', id: 'r3', room: 'dev', message, emoji: 'eyes' });
    await process(react);
    const edit = say(alice, { type: 'edit', id: 'e1', room: 'dev', message, text: 'typo here' });
    await process(edit, say(alice, { type: 'react', id: 'r4', room: 'dev', message, emoji: 'tada' }));
    expect(commandsOf(edit)).toEqual([
      {
        action: 'sendToGroup',
        hub: 'chat',
        group: 'room:dev',
        // An edit in a room says whom the new text mentions: nobody here.
        frame: { type: 'update', id: message, from: 'alice', room: 'dev', text: 'typo here', editedAt: edit.metadata.receivedAt, mentions: [], by: 'alice' },
      },
    ]);
    const sender = client.createSender('chat-events');
    await sender.sendMessages(redelivery(react));
    await sender.close();
    handled += 1;
    await waitFor(() => worker.settled(), (n) => n >= handled, 60_000, 'the redelivery settled');
    const afterRedelivery = (await worker.store.findMessage('chat', roomConversation('dev'), message))!.message;
    expect(afterRedelivery).toMatchObject({
      text: 'typo here',
      editedAt: edit.metadata.receivedAt,
      reactions: [
        { emoji: 'eyes', count: 1, users: ['bob'] },
        { emoji: 'tada', count: 1, users: ['alice'] },
      ],
    });

    await process(say(alice, { type: 'delete', id: 'd1', room: 'dev', message }));
    const again = client.createSender('chat-events');
    // The send's own event again: its claim holds, so it changes nothing; the message stays deleted.
    const original = await findSendEvent(message);
    await again.sendMessages(redelivery(original));
    await again.close();
    handled += 1;
    await waitFor(() => worker.settled(), (n) => n >= handled, 60_000, 'the redelivered send settled');
    expect((await worker.store.findMessage('chat', roomConversation('dev'), message))!.message).toEqual({
      type: 'message',
      id: message,
      clientId: 's2',
      from: 'alice',
      room: 'dev',
      text: '',
      at: expect.any(String) as string,
      deleted: true,
    });
  });

  /** The send event that stored `message` (its id is the event id), rebuilt as the gateway sent it. */
  async function findSendEvent(message: string): Promise<ChatEvent> {
    const row = (await worker.store.findMessage('chat', roomConversation('dev'), message))!;
    return {
      type: 'chat.message',
      version: 1,
      data: { frame: { type: 'send', id: row.message.clientId, room: 'dev', text: 'typo hree' } },
      metadata: { eventId: message, hub: 'chat', connectionId: alice.connectionId, userId: 'alice', receivedAt: row.message.at },
    };
  }
});
