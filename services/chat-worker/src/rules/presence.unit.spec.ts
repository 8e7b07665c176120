import { describe, expect, it } from 'vitest';
import { decideConnected, decideDisconnected } from './presence.js';
import { givenEvent } from './test-context.js';

const ctx = givenEvent({ userId: 'bob', connectionId: 'conn-b1' });

describe('connected', () => {
  it('given bob had no connection, when one connects, then he is registered, put into his rooms, told the state and announced online', () => {
    const decision = decideConnected({ otherConnections: 0, rooms: ['ops', 'dev'], online: ['alice'] }, ctx);

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
    const decision = decideConnected({ otherConnections: 1, rooms: [], online: ['bob'] }, ctx);

    expect(decision.writes[1]).toEqual({ kind: 'putPresence', hub: 'chat', user: 'bob', online: true, connectionCount: 2, lastSeen: ctx.receivedAt });
    expect(decision.commands).toEqual([
      { action: 'sendToConnection', hub: 'chat', connectionId: 'conn-b1', frame: { type: 'state', rooms: [], online: ['bob'] } },
    ]);
  });
});

describe('disconnected', () => {
  it('given bob has another connection, when one closes, then he stays online with one connection and nothing is announced', () => {
    const decision = decideDisconnected({ otherConnections: 1 }, ctx);

    expect(decision.writes).toEqual([
      { kind: 'removeConnection', hub: 'chat', user: 'bob', connectionId: 'conn-b1' },
      { kind: 'putPresence', hub: 'chat', user: 'bob', online: true, connectionCount: 1, lastSeen: ctx.receivedAt },
    ]);
    expect(decision.commands).toEqual([]);
  });

  it('given it was his last connection, when it closes, then he is offline and everyone is told', () => {
    const decision = decideDisconnected({ otherConnections: 0 }, ctx);

    expect(decision.writes[1]).toMatchObject({ online: false, connectionCount: 0 });
    expect(decision.commands).toEqual([{ action: 'sendToAll', hub: 'chat', frame: { type: 'presence', user: 'bob', online: false } }]);
  });
});
