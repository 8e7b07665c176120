import { odata, TableClient, TableTransaction, type TableEntity, type TableEntityResult } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { openTableClient, type TablesConnection } from '@parley/service-kit';
import {
  claimKeys,
  connectionsKeys,
  CONVERSATION_META_FROM,
  conversationKey,
  eventLogEntity,
  membershipsKeys,
  ONLINE_LIST_LIMIT,
  presenceKeys,
  presenceShardKey,
  PRESENCE_SHARDS,
  roomConversation,
  roomMemberKeys,
  roomVoiceKeys,
  ROOM_MEMBER_RANGE,
  Tables,
  type ChatEvent,
  type ClaimEntity,
  type Conversation,
  messageIndexKeys,
  roomInfoKeys,
  type RoomVisibility,
  type UnreadCount,
} from '@parley/contracts';
import type { ConnectionRow, HistoryQuery, HistoryRow, ProfileState, ProjectionWrite } from '../rules/index.js';
import type { ChatStore, CommitOutcome, FrameClaim, FrameCommit, OnlineUser, RequestReport, StoredMessage } from './chat-store.js';
import { messageOfRow, shownMessage } from './message-rows.js';
import { changeKeys, rowChanges, type RowChange, type TableName } from './entities.js';
import { isTableNotFound, statusOf, tableCall } from './table-errors.js';
import { EventLogWriter } from './event-log-writer.js';
import { userRooms, visibilityOf, type UserRooms } from './room-rows.js';
import * as readRows from './read-rows.js';
import { copyToDirectory } from './moderation-rows.js';
import { RoomRows, type PresenceRead, type RoomReads, type RoomRowRead } from './room-reads.js';
import type { DirectoryQuery, DirectoryRow, MemberRow } from '../rules/index.js';

type Row = Record<string, unknown>;
type Clients = Record<TableName, TableClient>;

function makeClients(connection: TablesConnection, credential?: TokenCredential): Clients {
  const options = { retryOptions: { maxRetries: 2, retryDelayInMs: 100, maxRetryDelayInMs: 1_000 } };
  const make = (table: string): TableClient => openTableClient(connection, table, options, credential);
  return Object.fromEntries(Object.values(Tables).map((table) => [table, make(table)])) as Clients;
}

/** The ChatStore on Azure Table Storage (or a local stand-in); keys come only from the contracts' builders. */
export class TableChatStore implements ChatStore {
  private readonly clients: Clients;
  private readonly report: RequestReport | undefined;
  /** Shared by every per-event view, so appends of the same turn leave together. */
  private readonly eventLog: EventLogWriter;
  private readonly rooms: RoomReads = new RoomRows({ get: (...args) => this.get(...args), query: (...args) => this.query(...args) });

  constructor(
    connection: TablesConnection | { readonly clients: Clients; readonly report: RequestReport; readonly eventLog: EventLogWriter },
    credential?: TokenCredential,
  ) {
    if ('clients' in connection) {
      this.clients = connection.clients;
      this.report = connection.report;
      this.eventLog = connection.eventLog;
    } else {
      this.clients = makeClients(connection, credential);
      this.report = undefined;
      this.eventLog = new EventLogWriter(this.clients.events, (operation, fn) => this.send(Tables.events, operation, fn));
    }
  }

  forEvent(report: RequestReport): TableChatStore {
    return new TableChatStore({ clients: this.clients, report, eventLog: this.eventLog });
  }

  /** Creates the tables the worker writes (an existing table is fine). */
  async init(): Promise<void> {
    await Promise.all(Object.values(this.clients).map((client) => tableCall(`create ${client.tableName}`, () => client.createTable())));
  }

  async appendEvent(event: ChatEvent, receivedAt: Date): Promise<'appended' | 'exists'> {
    return this.eventLog.append(eventLogEntity(event, receivedAt), this.report);
  }

  /**
   * One entity group transaction in the conversation's partition: insert the claim, write the
   * decision's rows that live there (the message, the room's member rows) and touch the member
   * rows the decision relied on (a merge that fails with 404 once the row is gone). The rest of
   * the writes (other partitions) follow; they are idempotent, and a crash before them is healed
   * by the redelivery, which finds its own claim and applies every write again.
   */
  async commitFrame(commit: FrameCommit): Promise<CommitOutcome> {
    const keys = claimKeys(commit.hub, commit.conversation, commit.user, commit.clientId);
    const claim: ClaimEntity = { ...keys, eventId: commit.claim.eventId, ...(commit.claim.state === undefined ? {} : { state: commit.claim.state }) };
    const here: RowChange[] = [];
    const later: RowChange[] = [];
    for (const change of commit.writes.flatMap(rowChanges)) {
      (change.table === Tables.messages && changeKeys(change).partitionKey === keys.partitionKey ? here : later).push(change);
    }
    const written = new Set(here.map((change) => changeKeys(change).rowKey));
    const transaction = new TableTransaction();
    transaction.createEntity(claim);
    for (const change of here) {
      if (change.op === 'delete') transaction.deleteEntity(change.partitionKey, change.rowKey);
      // An insert here is a room's own row: a concurrent creator's row makes the whole commit fail (409).
      else if (change.op === 'insert') transaction.createEntity(change.entity);
      // A change of a message the rule read: a 412 (the row changed since) fails the commit as stale.
      else if (change.op === 'update') transaction.updateEntity(change.entity, change.mode, { etag: change.etag });
      // The room row's count: a concurrent change to the room makes the whole commit fail (412).
      else if ((change.op === 'upsert' || change.op === 'merge') && change.etag !== undefined) transaction.updateEntity(change.entity, 'Merge', { etag: change.etag });
      else transaction.upsertEntity(change.entity, change.op === 'merge' ? 'Merge' : 'Replace');
    }
    if (commit.conversation.kind === 'room') {
      for (const user of commit.members) {
        const member = roomMemberKeys(commit.hub, commit.conversation.room, user);
        // If-Match * on a merge with no properties: changes nothing, fails unless the row exists.
        if (!written.has(member.rowKey)) transaction.updateEntity(member, 'Merge', { etag: '*' });
      }
      for (const user of commit.voices ?? []) {
        const voice = roomVoiceKeys(commit.hub, commit.conversation.room, user);
        if (!written.has(voice.rowKey)) transaction.updateEntity(voice, 'Merge', { etag: '*' });
      }
    }
    try {
      await this.call(Tables.messages, 'transaction', () => this.clients.messages.submitTransaction(transaction.actions));
    } catch (error) {
      const status = statusOf(error);
      if (status === 409) {
        const held = await this.heldClaim(keys.partitionKey, keys.rowKey);
        // No claim: the 409 was the room's own row, created meanwhile by another join — decide again.
        return held ? { kind: 'held', claim: held } : { kind: 'stale' };
      }
      // A row the rule read changed since (a message's reaction, edit or delete; a room's count), or
      // a member or voice row the decision relied on is gone: decide again on what is there now.
      if ((status === 404 && !isTableNotFound(error)) || status === 412) return { kind: 'stale' };
      throw error;
    }
    await Promise.all(later.map((change) => this.change(change)));
    return { kind: 'committed' };
  }

  private async heldClaim(partitionKey: string, rowKey: string): Promise<FrameClaim | undefined> {
    const held = await this.get(Tables.messages, partitionKey, rowKey);
    // Absent (or cleared by a rebuild since): the commit is decided again, which is always safe.
    if (!held || typeof held.eventId !== 'string') return undefined;
    return typeof held.state === 'string' ? { eventId: held.eventId, state: held.state } : { eventId: held.eventId };
  }

  async frameClaimed(hub: string, conversation: Conversation, user: string, clientId: string): Promise<boolean> {
    const keys = claimKeys(hub, conversation, user, clientId);
    return (await this.get(Tables.messages, keys.partitionKey, keys.rowKey)) !== undefined;
  }

  async roomExists(hub: string, room: string): Promise<boolean> {
    const partitionKey = conversationKey(hub, roomConversation(room));
    const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${ROOM_MEMBER_RANGE.from} and RowKey lt ${ROOM_MEMBER_RANGE.to}`;
    return (await this.query(Tables.messages, filter, ['RowKey'], 1)).length > 0;
  }

  async isMember(hub: string, room: string, user: string): Promise<boolean> {
    const keys = roomMemberKeys(hub, room, user);
    return (await this.get(Tables.messages, keys.partitionKey, keys.rowKey)) !== undefined;
  }

  async isKnownUser(hub: string, user: string): Promise<boolean> {
    const keys = presenceKeys(hub, user);
    // A row holding only a display name (the user signed in but never connected) is not a known user.
    const row = await this.get(Tables.presence, keys.partitionKey, keys.rowKey);
    return row !== undefined && row.lastSeen !== undefined;
  }

  async userName(hub: string, user: string): Promise<string | undefined> {
    return (await this.profileOf(hub, user)).name;
  }

  async profileOf(hub: string, user: string): Promise<ProfileState> {
    const keys = presenceKeys(hub, user);
    const row = await this.get(Tables.presence, keys.partitionKey, keys.rowKey);
    const online = row?.online === true;
    return typeof row?.name === 'string' ? { name: row.name, online } : { online };
  }

  async roomsOf(hub: string, user: string): Promise<string[]> {
    const { partitionKey } = membershipsKeys(hub, user, '');
    const rows = await this.query(Tables.memberships, odata`PartitionKey eq ${partitionKey}`, ['room']);
    return userRooms(rows).rooms;
  }

  /**
   * Up to ONLINE_LIST_LIMIT users online: the same bounded number from each presence shard, read in
   * parallel, so the read does not grow with the users online (all of them in a small chat).
   */
  async onlineUsers(hub: string): Promise<string[]> {
    return (await this.onlineProfiles(hub)).map((online) => online.user);
  }

  async onlineProfiles(hub: string): Promise<OnlineUser[]> {
    const perShard = ONLINE_LIST_LIMIT / PRESENCE_SHARDS;
    const shards = await Promise.all(
      Array.from({ length: PRESENCE_SHARDS }, (_, shard) =>
        this.query(Tables.presence, odata`PartitionKey eq ${presenceShardKey(hub, shard)} and online eq ${true}`, ['user', 'name'], perShard),
      ),
    );
    return shards.flat().map((row) => (typeof row.name === 'string' ? { user: String(row.user), name: row.name } : { user: String(row.user) }));
  }

  async connectionsOf(hub: string, user: string): Promise<ConnectionRow[]> {
    const { partitionKey } = connectionsKeys(hub, user, '');
    const rows = await this.query(Tables.connections, odata`PartitionKey eq ${partitionKey}`, ['connectionId', 'closedAt']);
    return rows.map((row) => (typeof row.closedAt === 'string' ? { connectionId: String(row.connectionId), closedAt: row.closedAt } : { connectionId: String(row.connectionId) }));
  }

  async readHistory(hub: string, query: HistoryQuery): Promise<HistoryRow[]> {
    const partitionKey = conversationKey(hub, query.conversation);
    // Message rows only: claims and member rows sort after them (CONVERSATION_META_FROM).
    const filter =
      query.afterRowKey === undefined
        ? odata`PartitionKey eq ${partitionKey} and RowKey lt ${CONVERSATION_META_FROM}`
        : odata`PartitionKey eq ${partitionKey} and RowKey gt ${query.afterRowKey} and RowKey lt ${CONVERSATION_META_FROM}`;
    const rows = await this.query(Tables.messages, filter, undefined, query.limit + 1);
    return rows.map((row) => ({ rowKey: String(row.rowKey), message: shownMessage(messageOfRow(row)) }));
  }

  async findMessage(hub: string, conversation: Conversation, messageId: string): Promise<StoredMessage | undefined> {
    const index = messageIndexKeys(hub, conversation, messageId);
    const pointer = await this.get(Tables.messages, index.partitionKey, index.rowKey);
    if (typeof pointer?.messageRowKey !== 'string') return undefined;
    const row = await this.get(Tables.messages, index.partitionKey, pointer.messageRowKey);
    // An index row whose message is gone (retention, erase-user) points at nothing.
    if (row === undefined || row.messageId !== messageId) return undefined;
    return { rowKey: pointer.messageRowKey, etag: row.etag, message: messageOfRow(row) };
  }

  async apply(writes: readonly ProjectionWrite[], committed?: { readonly hub: string; readonly conversation: Conversation }): Promise<void> {
    const done = committed && conversationKey(committed.hub, committed.conversation);
    const changes = writes.flatMap(rowChanges).filter((change) => !(change.table === Tables.messages && changeKeys(change).partitionKey === done));
    // Independent rows: in parallel. A failure retries them all, which is safe.
    await Promise.all(changes.map((change) => this.change(change)));
  }

  private async change(change: RowChange): Promise<void> {
    if (change.op === 'delete') return this.remove(change.table, change);
    // A message change lives in its frame's claim partition, so its commit wrote it with the claim:
    // applied again (a redelivery), it would write the frozen state over later changes.
    if (change.op === 'update') return;
    if (change.op === 'directory') return this.copyToDirectory(change);
    if ((change.op === 'upsert' || change.op === 'merge') && change.etag !== undefined) {
      const { entity, etag } = change;
      return void (await this.call(change.table, 'update', () => this.clients[change.table].updateEntity(entity, 'Merge', { etag })));
    }
    if (change.op === 'upsert' || change.op === 'merge') return this.upsert(change.table, change.entity, change.op === 'merge' ? 'Merge' : 'Replace');
    // 'insert' and 'create': an existing row stays as it is.
    await this.insert(change.table, change.entity);
  }

  /**
   * One table operation. A table that went away (a rebuild dropped it, storage came back empty)
   * is created again and the operation repeated, instead of failing every event until a restart.
   */
  private async call<T>(table: TableName, operation: string, fn: () => Promise<T>): Promise<T> {
    this.report?.(table, operation);
    return this.send(table, operation, fn);
  }

  /** One request, unreported; a missing table is created and the request made again (counted twice, as it is). */
  private async send<T>(table: TableName, operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await tableCall(`${operation} ${table}`, fn);
    } catch (error) {
      if (!isTableNotFound(error)) throw error;
      await tableCall(`create ${table}`, () => this.clients[table].createTable());
      this.report?.(table, operation);
      return tableCall(`${operation} ${table}`, fn);
    }
  }

  /** Insert; false when the row already exists (409). */
  private async insert<T extends object>(table: TableName, entity: TableEntity<T>): Promise<boolean> {
    try {
      await this.call(table, 'insert', () => this.clients[table].createEntity<T>(entity));
      return true;
    } catch (error) {
      if (statusOf(error) === 409) return false;
      throw error;
    }
  }

  private async upsert<T extends object>(table: TableName, entity: TableEntity<T>, mode: 'Merge' | 'Replace' = 'Replace'): Promise<void> {
    await this.call(table, 'upsert', () => this.clients[table].upsertEntity<T>(entity, mode));
  }

  private async remove(table: TableName, keys: { partitionKey: string; rowKey: string }): Promise<void> {
    try {
      await this.call(table, 'delete', () => this.clients[table].deleteEntity(keys.partitionKey, keys.rowKey));
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
  }

  private async get(table: TableName, partitionKey: string, rowKey: string): Promise<TableEntityResult<Row> | undefined> {
    try {
      return await this.call(table, 'get', () => this.clients[table].getEntity<Row>(partitionKey, rowKey));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Rows of a filter in key order, stopping at `top` rows when given. */
  private async query(table: TableName, filter: string, select?: string[], top?: number): Promise<TableEntityResult<Row>[]> {
    return this.call(table, 'query', async () => {
      const rows: TableEntityResult<Row>[] = [];
      const pages = this.clients[table].listEntities<Row>({ queryOptions: { filter, ...(select ? { select } : {}) } });
      for await (const page of pages.byPage(top === undefined ? {} : { maxPageSize: Math.min(top, 1000) })) {
        rows.push(...page);
        if (top !== undefined && rows.length >= top) return rows.slice(0, top);
      }
      return rows;
    });
  }

  /** The read rows' queries (store/read-rows.ts) over the `messages` table. */
  private readonly messagesQuery: readRows.MessagesQuery = (filter, select, top) => this.query(Tables.messages, filter, select, top);

  async readPosition(hub: string, conversation: Conversation, user: string, messageId: string): Promise<{ messageRowKey?: string; positionRowKey?: string }> {
    return readRows.readPositionAndMessage(this.messagesQuery, hub, conversation, user, messageId);
  }

  async roomMemberIds(hub: string, room: string, upTo?: number): Promise<string[]> {
    return readRows.roomMemberIds(this.messagesQuery, hub, room, upTo);
  }

  async unreadCounts(hub: string, user: string, rooms: readonly string[], directChats: readonly string[] = []): Promise<UnreadCount[]> {
    return readRows.unreadCounts(this.messagesQuery, hub, user, rooms, directChats);
  }

  async roomVisibility(hub: string, room: string): Promise<RoomVisibility | undefined> {
    const keys = roomInfoKeys(hub, room);
    return visibilityOf(await this.get(Tables.messages, keys.partitionKey, keys.rowKey));
  }

  private async copyToDirectory(change: Extract<RowChange, { op: 'directory' }>): Promise<void> {
    const { partitionKey, rowKey } = change.entity;
    const client = this.clients.directory;
    await copyToDirectory(
      {
        readEntry: async () => {
          const row = await this.get(Tables.directory, partitionKey, rowKey);
          return row === undefined ? undefined : String(row.etag);
        },
        readRoom: async () => {
          const row = await this.get(Tables.messages, change.source.partitionKey, change.source.rowKey);
          if (row === undefined || typeof row.members !== 'number') return undefined;
          return { members: row.members, visibility: visibilityOf(row)! };
        },
        insert: async (entity) => void (await this.call(Tables.directory, 'insert', () => client.createEntity(entity))),
        replace: async (entity, etag) => void (await this.call(Tables.directory, 'update', () => client.updateEntity(entity, 'Replace', { etag }))),
      },
      { partitionKey, rowKey },
      change.entity.room,
    );
  }

  roomRow(hub: string, room: string): Promise<RoomRowRead | undefined> {
    return this.rooms.roomRow(hub, room);
  }
  memberRow(hub: string, room: string, user: string): Promise<MemberRow | undefined> {
    return this.rooms.memberRow(hub, room, user);
  }
  hasVoice(hub: string, room: string, user: string): Promise<boolean> {
    return this.rooms.hasVoice(hub, room, user);
  }
  isBanned(hub: string, room: string, user: string): Promise<boolean> {
    return this.rooms.isBanned(hub, room, user);
  }
  mutedUntil(hub: string, room: string, user: string): Promise<string | undefined> {
    return this.rooms.mutedUntil(hub, room, user);
  }
  countMembers(hub: string, room: string): Promise<number> {
    return this.rooms.countMembers(hub, room);
  }
  roomMembers(hub: string, room: string, limit: number): Promise<Array<{ user: string; row: MemberRow }>> {
    return this.rooms.roomMembers(hub, room, limit);
  }
  roomBans(hub: string, room: string, limit: number): Promise<string[]> {
    return this.rooms.roomBans(hub, room, limit);
  }
  presenceOf(hub: string, users: readonly string[]): Promise<Map<string, PresenceRead>> {
    return this.rooms.presenceOf(hub, users);
  }
  directoryPage(hub: string, query: DirectoryQuery): Promise<DirectoryRow[]> {
    return this.rooms.directoryPage(hub, query);
  }

  async roomsWithVisibilityOf(hub: string, user: string): Promise<UserRooms> {
    const { partitionKey } = membershipsKeys(hub, user, '');
    return userRooms(await this.query(Tables.memberships, odata`PartitionKey eq ${partitionKey}`, ['room', 'private', 'peer']));
  }
}
