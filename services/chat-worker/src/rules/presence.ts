import { ErrorCodes, roomGroup, type NotifierCommand, type PresenceFrame, type StateFrame, type UnreadCount } from '@parley/contracts';
import { toConnection } from './reject.js';
import type { Decision, EventContext, ProjectionWrite } from './types.js';

/**
 * Presence is derived from connection rows, one per connection: a user is online while at
 * least one of them is live. A row is closed for good by its `chat.disconnected` (a tombstone),
 * so the connected/disconnected pair may be handled in either order — by any worker, after any
 * redelivery — and the end state is the same: a `chat.connected` that finds its tombstone does
 * nothing. The states exclude the event's own connection, so handling an event again decides the same.
 */
export interface ConnectionRow {
  readonly connectionId: string;
  /** Set on a tombstone: the connection's disconnect was handled (or the worker refused it). */
  readonly closedAt?: string;
}

export interface ConnectedState {
  /** Every row of the user's connections, live and closed, this one included if it has one. */
  readonly connections: readonly ConnectionRow[];
  /** Rooms the user is a member of. */
  readonly rooms: readonly string[];
  /** Those of `rooms` that are private, so the page can mark them. */
  readonly privateRooms?: readonly string[];
  /** Users the presence table shows online, at most ONLINE_LIST_LIMIT (may or may not hold this user yet). */
  readonly online: readonly string[];
  /** Display names of those of `online` who have one. */
  readonly names?: Readonly<Record<string, string>>;
  /** Unread counts of the user's conversations (store/read-rows.ts); absent or empty: none. */
  readonly unread?: readonly UnreadCount[];
}

export interface DisconnectedState {
  readonly connections: readonly ConnectionRow[];
}

export interface PresenceLimits {
  /** Live connections one user may hold; the next one is refused and closed. */
  readonly maxConnectionsPerUser: number;
  /** How long a tombstone is kept: a `chat.connected` later than this after its disconnect would open the connection again. */
  readonly tombstoneMs: number;
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

function liveOthers(connections: readonly ConnectionRow[], ctx: EventContext): number {
  return connections.filter((row) => row.connectionId !== ctx.connectionId && row.closedAt === undefined).length;
}

/** Tombstones old enough to forget, by the event's time, so a redelivery or a replay forgets the same ones. */
function expiredTombstones(connections: readonly ConnectionRow[], ctx: EventContext, limits: PresenceLimits): ProjectionWrite[] {
  const before = Date.parse(ctx.receivedAt) - limits.tombstoneMs;
  return connections
    .filter((row) => row.connectionId !== ctx.connectionId && row.closedAt !== undefined && Date.parse(row.closedAt) < before)
    .map((row) => ({ kind: 'removeConnection', hub: ctx.hub, user: ctx.userId, connectionId: row.connectionId }) as const);
}

function presenceFrame(ctx: EventContext, online: boolean): PresenceFrame {
  return ctx.userName === undefined ? { type: 'presence', user: ctx.userId, online } : { type: 'presence', user: ctx.userId, online, name: ctx.userName };
}

/** The online users' names for the `state` frame, this user's own (newest) included; undefined when nobody has one. */
function onlineNames(state: ConnectedState, ctx: EventContext): Record<string, string> | undefined {
  // Built from entries: a user id such as "__proto__" stays an own key.
  const entries = Object.entries(state.names ?? {}).filter(([user]) => user !== ctx.userId);
  if (ctx.userName !== undefined) entries.push([ctx.userId, ctx.userName]);
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function presenceWrite(ctx: EventContext, liveCount: number): ProjectionWrite {
  return { kind: 'putPresence', hub: ctx.hub, user: ctx.userId, online: liveCount > 0, connectionCount: liveCount, lastSeen: ctx.receivedAt };
}

/**
 * `chat.connected`: register the connection, put it into the user's rooms (group membership
 * survives a restart of the WebSocket service), tell it the state, and announce the user if this
 * is their first connection. A connection already closed stays closed; one past the user's cap
 * is refused: its row is a tombstone and the notifier closes it with PARLEY_TOO_MANY_CONNECTIONS.
 */
export function decideConnected(state: ConnectedState, ctx: EventContext, limits: PresenceLimits): Decision {
  const { hub, userId, connectionId, receivedAt, eventId } = ctx;
  const own = state.connections.find((row) => row.connectionId === connectionId);
  const forget = expiredTombstones(state.connections, ctx, limits);
  if (own?.closedAt !== undefined) return { writes: forget, commands: [] };
  const others = liveOthers(state.connections, ctx);
  if (others >= limits.maxConnectionsPerUser) {
    const message = `${userId} already has ${others} open connections (at most ${limits.maxConnectionsPerUser})`;
    return {
      writes: [...forget, { kind: 'closeConnection', hub, user: userId, connectionId, closedAt: receivedAt, eventId, refused: ErrorCodes.tooManyConnections }],
      // Both go to the connection's notifier session, in this order: the page reads the frame, then the close.
      commands: [
        toConnection(ctx, { type: 'error', id: '', error: { code: ErrorCodes.tooManyConnections, message } }),
        { action: 'closeConnection', hub, connectionId, reason: `${ErrorCodes.tooManyConnections}: ${message}` },
      ],
      rejected: ErrorCodes.tooManyConnections,
    };
  }
  const rooms = sorted(state.rooms);
  const frame: StateFrame = { type: 'state', rooms, online: sorted([...state.online, userId]) };
  if (state.privateRooms !== undefined && state.privateRooms.length > 0) frame.privateRooms = sorted(state.privateRooms);
  const names = onlineNames(state, ctx);
  if (names !== undefined) frame.names = names;
  if (state.unread !== undefined && state.unread.length > 0) frame.unread = [...state.unread];
  const commands: NotifierCommand[] = [
    ...rooms.map((room) => ({ action: 'addConnectionToGroup', hub, group: roomGroup(room), connectionId }) as const),
    toConnection(ctx, frame),
  ];
  if (others === 0) commands.push({ action: 'sendToAll', hub, frame: presenceFrame(ctx, true) });
  return {
    writes: [...forget, { kind: 'putConnection', hub, user: userId, connectionId, connectedAt: receivedAt, eventId }, presenceWrite(ctx, others + 1)],
    commands,
  };
}

/** `chat.disconnected`: close the connection's row for good; announce the user offline when no live one is left. */
export function decideDisconnected(state: DisconnectedState, ctx: EventContext, limits: PresenceLimits): Decision {
  const { hub, userId, connectionId, receivedAt, eventId } = ctx;
  const others = liveOthers(state.connections, ctx);
  const own = state.connections.find((row) => row.connectionId === connectionId);
  // A refused connection keeps its tombstone (with the reason); it never counted, so nothing changes.
  const close: ProjectionWrite[] = own?.closedAt !== undefined ? [] : [{ kind: 'closeConnection', hub, user: userId, connectionId, closedAt: receivedAt, eventId }];
  return {
    writes: [...expiredTombstones(state.connections, ctx, limits), ...close, presenceWrite(ctx, others)],
    commands: others > 0 ? [] : [{ action: 'sendToAll', hub, frame: presenceFrame(ctx, false) }],
  };
}
