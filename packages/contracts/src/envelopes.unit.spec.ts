import { describe, expect, it } from 'vitest';
import { parseChatEvent, PROFILE_CONNECTION_ID, type ChatEvent } from './bus-events.js';
import { commandIdFor, notifierSessionId, notifierTargetKey, parseNotifierEnvelope, type NotifierCommand } from './notifier-commands.js';
import { ErrorCodes } from './errors.js';
import {
  conversationKey,
  directConversation,
  eventLogEntity,
  eventLogShard,
  eventsHourKeys,
  eventsPartitionKey,
  eventsShardKey,
  EVENT_LOG_SHARDS,
  keyPart,
  messageRowKey,
  ONLINE_LIST_LIMIT,
  presenceKeys,
  PRESENCE_SHARDS,
  roomMemberKeys,
} from './tables.js';
import { RestPaths } from './rest-paths.js';
import { readUpstreamHeaders } from './upstream.js';

const metadata = { eventId: '01HZZZZZZZZZZZZZZZZZZZZZZZ', hub: 'chat', connectionId: 'c-1', userId: 'alice', receivedAt: '2026-11-22T10:00:00.000Z' };

describe('chat event envelopes', () => {
  it('accept each event type', () => {
    const events: ChatEvent[] = [
      { type: 'chat.connected', version: 1, data: {}, metadata },
      { type: 'chat.message', version: 1, data: { frame: { type: 'send', id: 'c1', text: 'hi' } }, metadata },
      { type: 'chat.disconnected', version: 1, data: {}, metadata: { ...metadata, replayed: true } },
      { type: 'chat.profile', version: 1, data: { name: 'Zoë Ünïcode' }, metadata: { ...metadata, connectionId: PROFILE_CONNECTION_ID } },
    ];
    for (const event of events) expect(parseChatEvent(JSON.parse(JSON.stringify(event)))).toEqual({ ok: true, value: event });
  });

  it.each([
    ['not an object', 'x', ErrorCodes.envelopeInvalid],
    ['unknown type', { type: 'chat.shout', version: 1, data: {}, metadata }, ErrorCodes.envelopeUnknownType],
    ['future version', { type: 'chat.connected', version: 2, data: {}, metadata }, ErrorCodes.envelopeUnsupportedVersion],
    ['missing user', { type: 'chat.connected', version: 1, data: {}, metadata: { ...metadata, userId: undefined } }, ErrorCodes.envelopeInvalid],
    ['invalid frame', { type: 'chat.message', version: 1, data: { frame: { type: 'send', id: 'c1' } }, metadata }, ErrorCodes.envelopeInvalid],
    ['a profile name with a control character', { type: 'chat.profile', version: 1, data: { name: 'al\u0007ice' }, metadata }, ErrorCodes.envelopeInvalid],
    ['a profile name over 64 characters', { type: 'chat.profile', version: 1, data: { name: 'n'.repeat(65) }, metadata }, ErrorCodes.envelopeInvalid],
    ['a profile with more than a name', { type: 'chat.profile', version: 1, data: { name: 'alice', admin: true }, metadata }, ErrorCodes.envelopeInvalid],
    ['forbidden key', JSON.parse('{"type":"chat.connected","version":1,"data":{"__proto__":{}},"metadata":{}}'), ErrorCodes.envelopeInvalid],
  ])('refuse %s', (_name, body, code) => {
    const result = parseChatEvent(body);
    expect(result.ok ? undefined : result.error.code).toBe(code);
  });
});

describe('notifier commands', () => {
  const send: NotifierCommand = { action: 'sendToGroup', hub: 'chat', group: 'room:dev', frame: { type: 'presence', user: 'a', online: true } };
  const add: NotifierCommand = { action: 'addUserToGroup', hub: 'chat', group: 'room:dev', userId: 'bob' };

  it('validate an envelope and refuse an unknown action', () => {
    const envelope = { type: 'notify.command', version: 1, data: send, metadata: { commandId: commandIdFor('E1', 0), causationId: 'E1' } };
    expect(parseNotifierEnvelope(envelope).ok).toBe(true);
    const bad = parseNotifierEnvelope({ ...envelope, data: { ...send, action: 'explode' } });
    expect(bad.ok ? undefined : bad.error.code).toBe(ErrorCodes.envelopeInvalid);
  });

  it('give stable ids and keep membership changes in the session of the group they change', () => {
    expect(commandIdFor('E1', 2)).toBe('E1-002');
    expect(notifierTargetKey(add)).toBe(notifierTargetKey(send));
    expect(notifierSessionId(add, 64)).toBe(notifierSessionId(send, 64));
  });
});

describe('table keys', () => {
  it('encode characters Table Storage forbids in keys', () => {
    for (const name of ['../x', 'a/b', 'a\\b', 'a#b', 'a?b', "it's"]) expect(keyPart(name)).not.toMatch(/[/\\#?']/);
  });

  it('put the newest message first and keep direct conversations symmetric', () => {
    expect(messageRowKey(2000, 'B') < messageRowKey(1000, 'A')).toBe(true);
    expect(conversationKey('chat', directConversation('bob', 'alice'))).toBe(conversationKey('chat', directConversation('alice', 'bob')));
  });

  it('bucket the event log by hub and UTC hour', () => {
    expect(eventsPartitionKey('chat', new Date('2026-11-22T09:59:59Z'))).toBe('chat_2026112209');
    expect(roomMemberKeys('chat', 'a/b', 'u').partitionKey).toBe('chat_room_a%2Fb');
  });

  it('spread an hour of the event log over its shards by user, so one user\'s events share a partition', () => {
    const hour = new Date('2026-11-22T09:15:00Z');
    expect(eventsShardKey('chat', hour, 7)).toBe('chat_2026112209_07');
    const users = Array.from({ length: 400 }, (_, i) => `user-${i}`);
    const shards = new Set(users.map(eventLogShard));
    expect(shards.size).toBe(EVENT_LOG_SHARDS);
    const event = { type: 'chat.connected', version: 1, data: {}, metadata: { eventId: 'E1', hub: 'chat', connectionId: 'c', userId: 'user-3', receivedAt: hour.toISOString() } } as const;
    expect(eventLogEntity(event).partitionKey).toBe(eventsShardKey('chat', hour, eventLogShard('user-3')));
    // Reading an hour covers every shard and the hour's partition of logs written before the spread.
    const keys = eventsHourKeys('chat', hour);
    expect(keys).toHaveLength(EVENT_LOG_SHARDS + 1);
    expect(keys).toContain('chat_2026112209');
    expect(keys).toContain(eventLogEntity(event).partitionKey);
  });

  it('spread presence over its shards and bound the online list', () => {
    const partitions = new Set(Array.from({ length: 200 }, (_, i) => presenceKeys('chat', `u${i}`).partitionKey));
    expect(partitions.size).toBe(PRESENCE_SHARDS);
    for (const key of partitions) expect(key).toMatch(/^chat_\d{2}$/);
    expect(ONLINE_LIST_LIMIT % PRESENCE_SHARDS).toBe(0);
  });
});

describe('REST paths', () => {
  it('encode names so they cannot change the addressed resource', () => {
    expect(RestPaths.group('chat', '../admin')).toBe('/ws/api/v1/hubs/chat/groups/..%2Fadmin');
    expect(RestPaths.groupUser('chat', 'a?b', 'c#d')).toBe('/ws/api/v1/hubs/chat/groups/a%3Fb/users/c%23d');
    expect(RestPaths.closeConnection('chat', 'x', 'bye now')).toBe('/ws/api/v1/hubs/chat/connections/x?reason=bye%20now');
  });
});

describe('upstream headers', () => {
  it('read a connect call', () => {
    const result = readUpstreamHeaders({
      'x-asrs-hub': 'chat',
      'x-asrs-event': 'connect',
      'x-asrs-connection-id': 'c-1',
      'x-asrs-signature': 'sha256=ab',
      'x-asrs-client-query': 'access_token=t&x=1',
      'sec-websocket-protocol': 'foo, parley.chat.v1',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.category).toBe('connections');
    expect(result.value.clientQuery.get('access_token')).toBe('t');
    expect(result.value.subprotocols).toEqual(['foo', 'parley.chat.v1']);
  });

  it('refuse a call without signature or connection id', () => {
    const noSig = readUpstreamHeaders({ 'x-asrs-hub': 'chat', 'x-asrs-event': 'message', 'x-asrs-connection-id': 'c' });
    expect(noSig.ok ? undefined : noSig.error.code).toBe(ErrorCodes.signatureMissing);
    const noConn = readUpstreamHeaders({ 'x-asrs-hub': 'chat', 'x-asrs-event': 'message', 'x-asrs-signature': 's' });
    expect(noConn.ok ? undefined : noConn.error.code).toBe(ErrorCodes.headerMissing);
  });
});
