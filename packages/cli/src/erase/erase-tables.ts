import { odata, type TableClient } from '@azure/data-tables';
import {
  conversationKey,
  CONVERSATION_META_FROM,
  directChatKeys,
  directConversation,
  directoryKeys,
  keyPart,
  lobby,
  membershipsKeys,
  messageIndexKeys,
  presenceKeys,
  Tables,
} from '@parley/contracts';
import { readLog } from '../replay/event-log.js';
import { partitionPrefixFilter, type TableStore } from '../tables.js';
import { jsonNamesUser } from './names-user.js';
import { amendmentOf, type MessageAmendment } from './message-traces.js';

interface Key {
  readonly partitionKey: string;
  readonly rowKey: string;
}

/** What a user left in the tables: the rows erase-user deletes, by table, and the `~room` rows it rewrites. */
export interface UserTraces {
  /** The user's own events, and other users' events that name them (a direct message to them, an invite of them). */
  readonly events: Key[];
  /** Whether the user is known: a presence row, a membership, a connection row or an event of their own. */
  readonly known: boolean;
  readonly messages: Key[];
  readonly memberships: Key[];
  readonly presence: Key[];
  readonly connections: Key[];
  /** Rooms the user created that others are in: their `~room` row keeps the room's visibility but loses the creator's name. */
  readonly createdRooms: Key[];
  /** Other users' messages holding the user's reactions or a quote of their message: those columns are rewritten. */
  readonly amendedMessages: MessageAmendment[];
  /** The directory entries of the rooms that go with the user. */
  readonly directory: Key[];
  /** Rooms that stay but lose the user's member row: their count goes down by one (and a public one's directory entry with it). */
  readonly recountedRooms: ReadonlyArray<{ readonly key: Key; readonly room: string; readonly members: number; readonly listed?: Key }>;
}

const isMissing = (error: unknown) => (error as { statusCode?: unknown }).statusCode === 404;

async function* entities(table: TableClient, filter: string, select?: string[]): AsyncGenerator<Record<string, unknown> & Key> {
  try {
    for await (const entity of table.listEntities({ queryOptions: { filter, ...(select ? { select } : {}) } })) {
      yield entity as Record<string, unknown> & Key;
    }
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
}

/** Every key of one partition of a table. */
async function partitionKeys(table: TableClient, partitionKey: string): Promise<Key[]> {
  const keys: Key[] = [];
  for await (const row of entities(table, odata`PartitionKey eq ${partitionKey}`, ['PartitionKey', 'RowKey'])) keys.push({ partitionKey: row.partitionKey, rowKey: row.rowKey });
  return keys;
}

/**
 * Finds everything of the user in one hub. Reads the hub's whole event log and `messages`
 * (a user's messages and claims are spread over every conversation they wrote in): cost grows
 * with the stored history, which retention bounds.
 */
export async function findUserTraces(store: TableStore, hub: string, user: string): Promise<UserTraces> {
  const events: Key[] = [];
  const eventIds = new Set<string>();
  const others = new Set<string>();
  let ownEvents = 0;
  for await (const row of readLog(store.table(Tables.events), hub, ['PartitionKey', 'RowKey', 'hub', 'userId', 'envelope'])) {
    if (row.hub !== hub) continue;
    const author = (row as unknown as { userId?: unknown }).userId;
    if (typeof author === 'string' && author !== user) others.add(author);
    if (author === user) ownEvents += 1;
    else if (!jsonNamesUser(row.envelope, user)) continue;
    events.push({ partitionKey: row.partitionKey, rowKey: row.rowKey });
    eventIds.add(row.rowKey);
  }

  const presenceKey = presenceKeys(hub, user);
  const presence: Key[] = [];
  for await (const row of entities(store.table(Tables.presence), partitionPrefixFilter(`${keyPart(hub)}_`), ['PartitionKey', 'RowKey', 'user'])) {
    if (row.partitionKey === presenceKey.partitionKey && row.rowKey === presenceKey.rowKey) presence.push(presenceKey);
    else if (typeof row.user === 'string') others.add(row.user);
  }
  const userPartition = membershipsKeys(hub, user, '').partitionKey;
  const memberships: Key[] = [];
  for await (const row of entities(store.table(Tables.memberships), odata`PartitionKey eq ${userPartition}`, ['PartitionKey', 'RowKey', 'peer'])) {
    memberships.push({ partitionKey: row.partitionKey, rowKey: row.rowKey });
    // A direct chat is listed on both sides: the other user's row names this one.
    if (typeof row.peer === 'string') memberships.push(directChatKeys(hub, row.peer, user));
  }
  const connections = await partitionKeys(store.table(Tables.connections), userPartition);

  // A direct conversation's partition is named after both users: all of it goes, the other side's messages with it.
  const directPartitions = new Set([...others].map((other) => conversationKey(hub, directConversation(user, other))));
  directPartitions.add(conversationKey(hub, directConversation(user, user)));
  const memberRow = `~member:${keyPart(user)}`;
  // A voice row must never outlive its member row: a room send's commit checks only the voice row.
  const userRoomRows = new Set([memberRow, `~voice:${keyPart(user)}`, `~ban:${keyPart(user)}`, `~mute:${keyPart(user)}`]);
  const claimPrefix = `~claim:${keyPart(user)}:`;
  const readRow = `~read:${keyPart(user)}`;
  const messages: Key[] = [];
  const createdRooms: Key[] = [];
  const roomNames = new Map<string, string>();
  const roomsWithOthers = new Set<string>();
  const amendedMessages: MessageAmendment[] = [];
  const roomRows = new Map<string, Record<string, unknown> & Key>();
  const leftRooms = new Set<string>();
  for await (const row of entities(store.table(Tables.messages), partitionPrefixFilter(`${keyPart(hub)}_`))) {
    const key = { partitionKey: row.partitionKey, rowKey: row.rowKey };
    const isMessage = row.rowKey < CONVERSATION_META_FROM;
    if (row.rowKey === '~room') roomRows.set(row.partitionKey, row);
    if (row.rowKey === memberRow) leftRooms.add(row.partitionKey);
    if (
      directPartitions.has(row.partitionKey) ||
      userRoomRows.has(row.rowKey) ||
      row.rowKey === readRow ||
      row.rowKey.startsWith(claimPrefix) ||
      (isMessage && (row.from === user || row.to === user)) ||
      // Another user's claim of a frame that named this user (an invite of them): its event is gone from the log too.
      (row.rowKey.startsWith('~claim:') && typeof row.eventId === 'string' && eventIds.has(row.eventId))
    ) {
      messages.push(key);
      // Its index row goes with it (a direct partition's go anyway; its key inside the partition is the same in every conversation).
      if (isMessage && !directPartitions.has(row.partitionKey) && typeof row.messageId === 'string') messages.push({ partitionKey: row.partitionKey, rowKey: messageIndexKeys(hub, lobby(), row.messageId).rowKey });
    } else if (row.rowKey === '~room' && row.createdBy === user) {
      createdRooms.push(key);
      if (typeof row.room === 'string') roomNames.set(row.partitionKey, row.room);
    } else if (row.rowKey.startsWith('~member:')) {
      roomsWithOthers.add(row.partitionKey);
    } else if (isMessage) {
      const amendment = amendmentOf(row, user);
      if (amendment) amendedMessages.push(amendment);
    }
  }
  // A room only the user was in goes with them (its name may say who they are); one others are in
  // stays, with its visibility, and loses only its creator's name.
  const goneRooms = createdRooms.filter((key) => !roomsWithOthers.has(key.partitionKey));
  messages.push(...goneRooms);
  const directory = goneRooms.flatMap((key) => {
    const name = roomNames.get(key.partitionKey);
    return name === undefined ? [] : [directoryKeys(hub, name)];
  });
  const renamedRooms = createdRooms.filter((key) => roomsWithOthers.has(key.partitionKey));
  const gone = new Set(goneRooms.map((key) => key.partitionKey));
  const recountedRooms = [...leftRooms].flatMap((partitionKey) => {
    const row = roomRows.get(partitionKey);
    if (row === undefined || gone.has(partitionKey) || typeof row.members !== 'number' || typeof row.room !== 'string') return [];
    const key = { partitionKey, rowKey: row.rowKey };
    const listed = row.visibility === 'public' ? { listed: directoryKeys(hub, row.room) } : {};
    return [{ key, room: row.room, members: Math.max(0, row.members - 1), ...listed }];
  });
  const known = ownEvents > 0 || presence.length > 0 || memberships.length > 0 || connections.length > 0;
  return { events, known, messages, memberships, presence, connections, createdRooms: renamedRooms, amendedMessages, directory, recountedRooms };
}

/** Deletes the rows, in transactions of up to 100 per partition; a row already gone is not an error. */
export async function deleteRows(table: TableClient, keys: readonly Key[]): Promise<number> {
  const byPartition = new Map<string, string[]>();
  for (const { partitionKey, rowKey } of keys) byPartition.set(partitionKey, [...(byPartition.get(partitionKey) ?? []), rowKey]);
  let deleted = 0;
  for (const [partitionKey, rowKeys] of byPartition) {
    for (let start = 0; start < rowKeys.length; start += 100) {
      const chunk = rowKeys.slice(start, start + 100);
      try {
        await table.submitTransaction(chunk.map((rowKey) => ['delete', { partitionKey, rowKey }]));
      } catch (error) {
        // One row deleted meanwhile (a worker, another erase) fails the whole transaction: go one by one.
        if (!isMissing(error)) throw error;
        for (const rowKey of chunk) await table.deleteEntity(partitionKey, rowKey).catch((one: unknown) => {
          if (!isMissing(one)) throw one;
        });
      }
      deleted += chunk.length;
    }
  }
  return deleted;
}

/** What erase-user removed, by table (`rooms`: `~room` rows that lost their creator's name). */
export interface ErasedCounts {
  events: number;
  messages: number;
  memberships: number;
  presence: number;
  connections: number;
  rooms: number;
  /** Other users' messages that lost the user's reactions or a quote of their message. */
  amended: number;
}

/**
 * The log first: once the user's events are gone, no replay or rebuild started afterwards can
 * bring the projections back; then the projections.
 */
export async function eraseTraces(store: TableStore, traces: UserTraces): Promise<ErasedCounts> {
  const events = await deleteRows(store.table(Tables.events), traces.events);
  const messages = await deleteRows(store.table(Tables.messages), traces.messages);
  const memberships = await deleteRows(store.table(Tables.memberships), traces.memberships);
  const presence = await deleteRows(store.table(Tables.presence), traces.presence);
  const connections = await deleteRows(store.table(Tables.connections), traces.connections);
  await deleteRows(store.table(Tables.directory), traces.directory);
  const rooms = store.table(Tables.messages);
  for (const key of traces.createdRooms) await rooms.updateEntity({ ...key, createdBy: '' }, 'Merge');
  const directory = store.table(Tables.directory);
  for (const { key, room, members, listed } of traces.recountedRooms) {
    await rooms.updateEntity({ ...key, members }, 'Merge');
    if (listed) await directory.upsertEntity({ ...listed, room, members }, 'Replace');
  }
  let amended = 0;
  for (const amendment of traces.amendedMessages) {
    try {
      // If-Match *: a row deleted meanwhile (retention) stays deleted rather than coming back as these columns alone.
      await rooms.updateEntity(amendment, 'Merge', { etag: '*' });
      amended += 1;
    } catch (error) {
      if (!isMissing(error)) throw error;
    }
  }
  return { events, messages, memberships, presence, connections, rooms: traces.createdRooms.length, amended };
}
