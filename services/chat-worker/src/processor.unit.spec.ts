import { describe, expect, it } from 'vitest';
import { isPermanent } from '@parley/service-kit';
import type { ChatEvent } from '@parley/contracts';
import { WorkerErrorCodes } from './errors.js';
import { parseFrozenState } from './load-state.js';
import { commandEnvelopes, eventContext } from './processor.js';

const event = (metadata: Partial<ChatEvent['metadata']> = {}): ChatEvent => ({
  type: 'chat.connected',
  version: 1,
  data: {},
  metadata: { eventId: '01J0000000000000000000000A', hub: 'chat', connectionId: 'c', userId: 'alice', receivedAt: '2025-01-02T03:04:05.678Z', ...metadata },
});

describe('eventContext', () => {
  it('given an event of this hub, then the rules get its ids and a canonical ISO time', () => {
    expect(eventContext(event({ receivedAt: '2025-01-02T03:04:05.678+00:00' }), 'chat')).toEqual({
      hub: 'chat',
      eventId: '01J0000000000000000000000A',
      userId: 'alice',
      connectionId: 'c',
      receivedAt: '2025-01-02T03:04:05.678Z',
    });
  });

  it.each([
    [{ hub: 'other' }, WorkerErrorCodes.hubMismatch],
    [{ receivedAt: 'yesterday-ish' }, WorkerErrorCodes.badTimestamp],
  ])('given %j, then it is a permanent failure with code %s (dead-lettered, never retried)', (metadata, code) => {
    const failure = (() => {
      try {
        eventContext(event(metadata), 'chat');
      } catch (error) {
        return error;
      }
    })();
    expect(isPermanent(failure)).toBe(true);
    expect((failure as { reason: string }).reason).toBe(code);
  });
});

describe('commandEnvelopes', () => {
  it('given commands of an event, then ids derive from the event id and position, with causation and trace', () => {
    const cause = event({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' });
    const envelopes = commandEnvelopes(
      [
        { action: 'sendToAll', hub: 'chat', frame: { type: 'presence', user: 'alice', online: true } },
        { action: 'sendToConnection', hub: 'chat', connectionId: 'c', frame: { type: 'state', rooms: [], online: ['alice'] } },
      ],
      cause,
    );
    expect(envelopes.map((e) => e.metadata)).toEqual([
      { commandId: '01J0000000000000000000000A-000', causationId: '01J0000000000000000000000A', traceparent: cause.metadata.traceparent },
      { commandId: '01J0000000000000000000000A-001', causationId: '01J0000000000000000000000A', traceparent: cause.metadata.traceparent },
    ]);
    expect(envelopes.every((e) => e.type === 'notify.command' && e.version === 1)).toBe(true);
    expect(commandEnvelopes([], cause)).toEqual([]);
  });
});

describe('parseFrozenState', () => {
  it('given the state frozen for the same frame type, then it is used', () => {
    expect(parseFrozenState('{"type":"leave","state":{"roomExists":true,"member":true}}', 'leave')).toEqual({
      type: 'leave',
      state: { roomExists: true, member: true },
    });
  });

  it.each(['{"type":"join","state":{"member":true}}', '{"type":"leave"}', 'not json'])('given %j for a leave, then it is ignored', (json) => {
    expect(parseFrozenState(json, 'leave')).toBeUndefined();
  });
});
