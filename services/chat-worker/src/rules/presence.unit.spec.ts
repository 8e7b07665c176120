import { describe, expect, it } from 'vitest';
import { decideConnected, decideDisconnected, type ConnectionRow } from './presence.js';
import { givenEvent } from './test-context.js';

const ctx = givenEvent({ userId: 'bob', connectionId: 'conn-b1' });
const limits = { maxConnectionsPerUser: 3, tombstoneMs: 3_600_000 };
const live = (connectionId: string): ConnectionRow => ({ connectionId });
const closed = (connectionId: string, closedAt = ctx.receivedAt): ConnectionRow => ({ connectionId, closedAt });

describe('connected', () => {
  it('given bob had no connection, when one connects, then he is registered, put into his rooms, told the state and announced online', () => {
    const decision = decideConnected({ connections: [], rooms: ['ops', 'dev'], online: ['alice'] }, ctx, limits);

    expect(decision.writes).toEqual([
      { kind: 'putConnection', hub: 'chat', user: 'bob', connectionId: 'conn-b1', connectedAt: ctx.receivedAt, eventId: ctx.eventId },
      { kind: 'putPresence', hub: 'chat', user: 'bob', online: true, connectionCount: 1, lastSeen: ctx.receivedAt },
    ]);
    expect(decision.commands).toEqual([
      { action: 'addConnectionToGroup', hub: 'chat', group: 'room:dev', connectionId: 'conn-b1' },
      { action: 'addConnectionToGroup', hub: 'chat', group: 'room:ops', connectionId: 'conn-b1' },
      { action: 'sendToConnection', hub: 'chat', connectionId: 'conn-b1', frame: { type: 'state', rooms: ['dev', 'ops'], online: ['alice', 'bob'] } },
      { action: 'sendToAll', hub: 'chat', frame: { type: 'presence', user: 'bob', online: true } },
    ]);
  });

  it('given bob is already connected elsewhere, when a second connection arrives, then the count is 2 and nobody is told he came online', () => {
    const decision = decideConnected({ connections: [live('conn-b0'), closed('conn-old')], rooms: [], online: ['bob'] }, ctx, limits);

    expect(decision.writes[1]).toEqual({ kind: 'putPresence', hub: 'chat', user: 'bob', online: true, connectionCount: 2, lastSeen: ctx.receivedAt });
    expect(decision.commands).toEqual([
      { action: 'sendToConnection', hub: 'chat', connectionId: 'conn-b1', frame: { type: 'state', rooms: [], online: ['bob'] } },
    ]);
  });

  it('given the connection\'s disconnect was handled first, when its connected arrives late, then nothing opens it again', () => {
    const decision = decideConnected({ connections: [closed('conn-b1')], rooms: ['dev'], online: [] }, ctx, limits);

    expect(decision).toEqual({ writes: [], commands: [] });
  });

  it('given a redelivery finds its own live row, then it decides as the first time', () => {
    const first = decideConnected({ connections: [live('conn-b0')], rooms: [], online: ['bob'] }, ctx, limits);
    const again = decideConnected({ connections: [live('conn-b0'), live('conn-b1')], rooms: [], online: ['bob'] }, ctx, limits);

    expect(again).toEqual(first);
  });

  it('given bob holds as many live connections as allowed, when another connects, then it is refused, closed with the code and never counted', () => {
    const connections = [live('c1'), live('c2'), live('c3'), closed('c0')];
    const decision = decideConnected({ connections, rooms: ['dev'], online: ['bob'] }, ctx, limits);

    expect(decision.rejected).toBe('PARLEY_TOO_MANY_CONNECTIONS');
    expect(decision.writes).toEqual([
      { kind: 'closeConnection', hub: 'chat', user: 'bob', connectionId: 'conn-b1', closedAt: ctx.receivedAt, eventId: ctx.eventId, refused: 'PARLEY_TOO_MANY_CONNECTIONS' },
    ]);
    expect(decision.commands).toEqual([
      { action: 'sendToConnection', hub: 'chat', connectionId: 'conn-b1', frame: { type: 'error', id: '', error: { code: 'PARLEY_TOO_MANY_CONNECTIONS', message: expect.stringContaining('at most 3') } } },
      { action: 'closeConnection', hub: 'chat', connectionId: 'conn-b1', reason: expect.stringMatching(/^PARLEY_TOO_MANY_CONNECTIONS: /) },
    ]);
  });

  it('forgets tombstones older than their life, by the event\'s time', () => {
    const old = closed('conn-old', '2025-01-02T01:00:00.000Z');
    const recent = closed('conn-recent', '2025-01-02T03:00:00.000Z');
    const decision = decideConnected({ connections: [old, recent], rooms: [], online: [] }, ctx, limits);

    expect(decision.writes[0]).toEqual({ kind: 'removeConnection', hub: 'chat', user: 'bob', connectionId: 'conn-old' });
    expect(decision.writes.filter((write) => write.kind === 'removeConnection')).toHaveLength(1);
  });
});

describe('disconnected', () => {
  it('given bob has another connection, when one closes, then its row becomes a tombstone, he stays online and nothing is announced', () => {
    const decision = decideDisconnected({ connections: [live('conn-b0'), live('conn-b1')] }, ctx, limits);

    expect(decision.writes).toEqual([
      { kind: 'closeConnection', hub: 'chat', user: 'bob', connectionId: 'conn-b1', closedAt: ctx.receivedAt, eventId: ctx.eventId },
      { kind: 'putPresence', hub: 'chat', user: 'bob', online: true, connectionCount: 1, lastSeen: ctx.receivedAt },
    ]);
    expect(decision.commands).toEqual([]);
  });

  it('given it was his last connection, when it closes, then he is offline and everyone is told', () => {
    const decision = decideDisconnected({ connections: [live('conn-b1')] }, ctx, limits);

    expect(decision.writes[1]).toMatchObject({ online: false, connectionCount: 0 });
    expect(decision.commands).toEqual([{ action: 'sendToAll', hub: 'chat', frame: { type: 'presence', user: 'bob', online: false } }]);
  });

  it('given its connected was not handled yet, when it closes, then the tombstone is written first and bob is offline', () => {
    const decision = decideDisconnected({ connections: [] }, ctx, limits);

    expect(decision.writes[0]).toMatchObject({ kind: 'closeConnection', connectionId: 'conn-b1' });
    expect(decision.writes[1]).toMatchObject({ kind: 'putPresence', online: false, connectionCount: 0 });
  });

  it('given the connection was refused at the cap, when it closes, then its tombstone keeps the reason', () => {
    const decision = decideDisconnected({ connections: [live('c1'), live('c2'), live('c3'), closed('conn-b1')] }, ctx, limits);

    expect(decision.writes).toEqual([{ kind: 'putPresence', hub: 'chat', user: 'bob', online: true, connectionCount: 3, lastSeen: ctx.receivedAt }]);
    expect(decision.commands).toEqual([]);
  });
});
