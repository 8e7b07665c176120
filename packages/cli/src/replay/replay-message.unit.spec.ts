import { describe, expect, it } from 'vitest';
import { BusProperties, parseChatEvent, partitionSessionId } from '@parley/contracts';
import { eventFactory, eventRow } from '../testing/events.js';
import { parseTypes, rebuildMessage, replayMessageId } from './replay-message.js';

const at = new Date('2025-03-01T10:15:00Z');

describe('rebuildMessage', () => {
  it('marks the stored envelope replayed and addresses it as the gateway did', () => {
    const event = eventFactory()({ kind: 'message', connectionId: 'conn-1', userId: 'alice', at, traceparent: '00-abc-def-01' });
    const rebuilt = rebuildMessage(eventRow(event), { runId: 'RUN1', notify: false, partitions: 64 });
    if (!rebuilt.ok) throw new Error(rebuilt.reason);
    const { message } = rebuilt;
    expect(parseChatEvent(message.body).ok).toBe(true);
    expect(message.body).toEqual({ ...event, metadata: { ...event.metadata, replayed: true } });
    expect(message.messageId).toBe(`${event.metadata.eventId}:replay:RUN1`);
    expect(message.sessionId).toBe(partitionSessionId('alice', 64));
    expect(message.subject).toBe('chat.message');
    expect(message.contentType).toBe('application/json');
    expect(message.applicationProperties).toEqual({
      [BusProperties.type]: 'chat.message',
      [BusProperties.hub]: 'chat',
      [BusProperties.userId]: 'alice',
      [BusProperties.replayed]: true,
      [BusProperties.traceparent]: '00-abc-def-01',
    });
  });

  it('sets notify only when asked, and drops a stored notify flag otherwise', () => {
    const event = eventFactory()({ kind: 'connected', connectionId: 'c', userId: 'bob', at });
    const stored = { ...event, metadata: { ...event.metadata, replayed: true, notify: true } };
    const row = { ...eventRow(event), envelope: JSON.stringify(stored) };
    const quiet = rebuildMessage(row, { runId: 'R', notify: false, partitions: 8 });
    const loud = rebuildMessage(row, { runId: 'R', notify: true, partitions: 8 });
    expect(quiet.ok && quiet.event.metadata).not.toHaveProperty('notify');
    expect(loud.ok && loud.event.metadata.notify).toBe(true);
  });

  it('reports rows whose envelope is missing, not JSON or no longer valid', () => {
    const row = eventRow(eventFactory()({ kind: 'connected', connectionId: 'c', userId: 'u', at }));
    const options = { runId: 'R', notify: false, partitions: 8 };
    expect(rebuildMessage({ ...row, envelope: undefined }, options)).toMatchObject({ ok: false, reason: expect.stringMatching(/no stored envelope/) });
    expect(rebuildMessage({ ...row, envelope: '{' }, options)).toMatchObject({ ok: false, reason: expect.stringMatching(/not JSON/) });
    expect(rebuildMessage({ ...row, envelope: '{"type":"chat.nope","version":1}' }, options)).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown envelope type/) });
  });

  it('puts a whole hub on one session with hub ordering (rebuild)', () => {
    const make = eventFactory();
    const rows = ['c1', 'c2', 'c3'].map((connectionId) => eventRow(make({ kind: 'connected', connectionId, userId: connectionId, at })));
    const sessions = rows.map((row) => {
      const rebuilt = rebuildMessage(row, { runId: 'R', notify: false, partitions: 64, ordering: 'hub' });
      return rebuilt.ok ? rebuilt.message.sessionId : rebuilt.reason;
    });
    expect(sessions).toEqual([partitionSessionId('chat', 64), partitionSessionId('chat', 64), partitionSessionId('chat', 64)]);
  });

  it('gives each run its own message ids', () => {
    expect(replayMessageId('E1', 'A')).not.toBe(replayMessageId('E1', 'B'));
    expect(replayMessageId('01JNABCDEFGHJKMNPQRSTVWXYZ', '01JNABCDEFGHJKMNPQRSTVWXYZ').length).toBeLessThanOrEqual(128);
  });
});

describe('parseTypes', () => {
  it('maps short and full names', () => {
    expect(parseTypes('message, Connected,chat.disconnected')).toEqual({ types: new Set(['chat.message', 'chat.connected', 'chat.disconnected']) });
  });
  it('names an unknown type', () => {
    expect(parseTypes('message,joined')).toEqual({ unknown: 'joined' });
  });
});
