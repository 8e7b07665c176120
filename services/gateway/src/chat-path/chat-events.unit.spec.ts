import { describe, expect, it } from 'vitest';
import { parseChatEvent } from '@parley/contracts';
import { connectedEvent, disconnectedEvent, messageEvent, newTraceparent, traceIdOf } from './chat-events.js';

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
