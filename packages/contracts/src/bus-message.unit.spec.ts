import { describe, expect, it } from 'vitest';
import { BusProperties, parseChatEvent, parseNotifierEnvelope, type ChatEvent, type NotifierEnvelope } from './index.js';
import { chatEventMessage, notifierCommandMessage } from './bus-message.js';
import { notifierSessionId } from './notifier-commands.js';
import { partitionSessionId } from './partition.js';

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const event = (metadata: Partial<ChatEvent['metadata']> = {}): ChatEvent => ({
  type: 'chat.message',
  version: 1,
  data: { frame: { type: 'join', id: 'j1', room: 'dev' } },
  metadata: { eventId: '01J0000000000000000000000A', hub: 'chat', connectionId: 'conn-7', userId: 'alice', receivedAt: '2025-01-01T00:00:00.000Z', traceparent, ...metadata },
});

describe('chatEventMessage', () => {
  it('addresses an event as the gateway sends it: id, session of the user, subject and properties', () => {
    const live = event();
    expect(chatEventMessage(live, { partitions: 64 })).toEqual({
      body: live,
      contentType: 'application/json',
      messageId: '01J0000000000000000000000A',
      sessionId: partitionSessionId('alice', 64),
      subject: 'chat.message',
      applicationProperties: {
        [BusProperties.type]: 'chat.message',
        [BusProperties.hub]: 'chat',
        [BusProperties.userId]: 'alice',
        [BusProperties.replayed]: false,
        [BusProperties.traceparent]: traceparent,
      },
    });
    expect(parseChatEvent(JSON.parse(JSON.stringify(chatEventMessage(live, { partitions: 64 }).body)))).toEqual({ ok: true, value: live });
  });

  it('carries replayed from the metadata, and a replay\'s own message id and session key', () => {
    const replayed = event({ replayed: true, notify: true });
    const message = chatEventMessage(replayed, { partitions: 8, messageId: 'x:replay:RUN', sessionKey: 'chat' });
    expect(message.messageId).toBe('x:replay:RUN');
    expect(message.sessionId).toBe(partitionSessionId('chat', 8));
    expect(message.applicationProperties[BusProperties.replayed]).toBe(true);
  });

  it('leaves out traceparent when the event has none', () => {
    const { traceparent: _dropped, ...metadata } = event().metadata;
    const message = chatEventMessage({ ...event(), metadata }, { partitions: 4 });
    expect(message.applicationProperties).not.toHaveProperty(BusProperties.traceparent);
  });
});

describe('notifierCommandMessage', () => {
  const envelope: NotifierEnvelope = {
    type: 'notify.command',
    version: 1,
    data: { action: 'addUserToGroup', hub: 'chat', group: 'room:dev', userId: 'alice' },
    metadata: { commandId: 'evt-1-000', causationId: 'evt-1', traceparent },
  };

  it('addresses a command by its id and its target\'s partition, with type, hub and traceparent', () => {
    expect(notifierCommandMessage(envelope, 64)).toEqual({
      body: envelope,
      contentType: 'application/json',
      messageId: 'evt-1-000',
      sessionId: notifierSessionId(envelope.data, 64),
      subject: 'notify.command',
      applicationProperties: { [BusProperties.type]: 'notify.command', [BusProperties.hub]: 'chat', [BusProperties.traceparent]: traceparent },
    });
    expect(parseNotifierEnvelope(notifierCommandMessage(envelope, 64).body).ok).toBe(true);
  });

  it('shares the session of sends to the same group (membership before announcement)', () => {
    const send: NotifierEnvelope = { ...envelope, data: { action: 'sendToGroup', hub: 'chat', group: 'room:dev', frame: { type: 'presence', user: 'alice', online: true } } };
    expect(notifierCommandMessage(send, 64).sessionId).toBe(notifierCommandMessage(envelope, 64).sessionId);
  });
});
