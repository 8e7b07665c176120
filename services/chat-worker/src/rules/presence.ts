import { roomGroup, type NotifierCommand, type StateFrame } from '@parley/contracts';
import { toConnection } from './reject.js';
import type { Decision, EventContext } from './types.js';

/**
 * Presence counts connections: a user is online while at least one connection
 * row exists. The state excludes the event's own connection, so handling the
 * same event again decides the same thing.
 */
export interface ConnectedState {
  /** The user's other open connections. */
  readonly otherConnections: number;
  /** Rooms the user is a member of. */
  readonly rooms: readonly string[];
  /** Users the presence table shows online (may or may not hold this user yet). */
  readonly online: readonly string[];
}

export interface DisconnectedState {
  readonly otherConnections: number;
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

/**
 * `chat.connected`: register the connection, put it into the user's rooms
 * (group membership survives a restart of the WebSocket service), tell it the
 * state, and announce the user if this is their first connection.
 */
export function decideConnected(state: ConnectedState, ctx: EventContext): Decision {
  const { hub, userId, connectionId, receivedAt, eventId } = ctx;
  const rooms = sorted(state.rooms);
  const frame: StateFrame = { type: 'state', rooms, online: sorted([...state.online, userId]) };
  const commands: NotifierCommand[] = [
    ...rooms.map((room) => ({ action: 'addConnectionToGroup', hub, group: roomGroup(room), connectionId }) as const),
    toConnection(ctx, frame),
  ];
  if (state.otherConnections === 0) commands.push({ action: 'sendToAll', hub, frame: { type: 'presence', user: userId, online: true } });
  return {
    writes: [
      { kind: 'putConnection', hub, user: userId, connectionId, connectedAt: receivedAt, eventId },
      { kind: 'putPresence', hub, user: userId, online: true, connectionCount: state.otherConnections + 1, lastSeen: receivedAt },
    ],
    commands,
  };
}

/** `chat.disconnected`: forget the connection; announce the user offline when the last one went. */
export function decideDisconnected(state: DisconnectedState, ctx: EventContext): Decision {
  const { hub, userId, connectionId, receivedAt } = ctx;
  const online = state.otherConnections > 0;
  return {
    writes: [
      { kind: 'removeConnection', hub, user: userId, connectionId },
      { kind: 'putPresence', hub, user: userId, online, connectionCount: state.otherConnections, lastSeen: receivedAt },
    ],
    commands: online ? [] : [{ action: 'sendToAll', hub, frame: { type: 'presence', user: userId, online: false } }],
  };
}
