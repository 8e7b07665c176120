import { describe, expect, it } from 'vitest';
import { BusProperties, parseChatEvent, partitionSessionId } from '@parley/contracts';
import { connectedEvent, disconnectedEvent, messageEvent, newTraceparent, toBusMessage, traceIdOf } from './chat-events.js';

const source = {
  hub: 'chat',
  connectionId: 'conn-7',
  userId: 'alice',
  eventId: '01J0000000000000000000000A',
  receivedAt: new Date('2025-01-01T00:00:00Z'),
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
};

describe('chat events', () => {
  it('builds envelopes that the consumers accept', () => {
    for (const event of [connectedEvent(source), messageEvent(source, { type: 'send', id: 'c1', text: 'hi' }), disconnectedEvent(source)]) {
      expect(parseChatEvent(JSON.parse(JSON.stringify(event)))).toEqual({ ok: true, value: event });
    }
  });

  it('maps an event to its bus message: ids, session, subject and properties', () => {
    const event = messageEvent(source, { type: 'join', id: 'j1', room: 'dev' });
    expect(toBusMessage(event, 64)).toEqual({
      body: event,
      contentType: 'application/json',
      messageId: source.eventId,
      sessionId: partitionSessionId('conn-7', 64),
      subject: 'chat.message',
      applicationProperties: {
        [BusProperties.type]: 'chat.message',
        [BusProperties.hub]: 'chat',
        [BusProperties.userId]: 'alice',
        [BusProperties.replayed]: false,
        [BusProperties.traceparent]: source.traceparent,
      },
    });
  });

  it('makes W3C traceparents: a new trace, or a new span under a valid incoming one', () => {
    const fresh = newTraceparent();
    expect(fresh).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(traceIdOf(fresh)).not.toBe(traceIdOf(newTraceparent()));
    const child = newTraceparent(source.traceparent);
    expect(traceIdOf(child)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(child).not.toBe(source.traceparent);
    for (const invalid of ['garbage', `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`]) {
      expect(traceIdOf(newTraceparent(invalid))).not.toBe('0'.repeat(32));
    }
  });
});
