import { odata, TableClient, type TableEntity, type TableEntityResult } from '@azure/data-tables';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import {
  connectionsKeys,
  conversationKey,
  dedupKeys,
  eventLogEntity,
  membershipsKeys,
  messageRowKey,
  presenceKeys,
  roomsKeys,
  Tables,
  type ChatEvent,
  type ConnectionEntity,
  type DedupEntity,
  type MemberEntity,
  type MessageEntity,
  type MessageFrame,
  type PresenceEntity,
} from '@parley/contracts';
import type { TablesConnection } from '../config.js';
import type { HistoryQuery, HistoryRow, ProjectionWrite } from '../rules/index.js';
import type { ChatStore, FrameClaim } from './chat-store.js';
import { isTableNotFound, statusOf, tableCall } from './table-errors.js';

type TableName = (typeof Tables)[keyof typeof Tables];
type Row = Record<string, unknown>;

/** The ChatStore on Azure Table Storage (Azurite locally); keys come only from the contracts' builders. */
export class TableChatStore implements ChatStore {
  private readonly clients: Record<TableName, TableClient>;

  constructor(connection: TablesConnection, credential?: TokenCredential) {
    const options = { retryOptions: { maxRetries: 2, retryDelayInMs: 100, maxRetryDelayInMs: 1_000 } };
    const make = (table: string): TableClient => {
      if (connection.kind === 'accountUrl') {
        return new TableClient(connection.accountUrl, table, credential ?? new DefaultAzureCredential(), options);
      }
      // Azurite speaks plain http; the SDK refuses a shared key over http unless told.
      const allowInsecureConnection = /TableEndpoint=http:\/\/|UseDevelopmentStorage=true/i.test(connection.connectionString);
      return TableClient.fromConnectionString(connection.connectionString, table, { ...options, allowInsecureConnection });
    };
    this.clients = Object.fromEntries(Object.values(Tables).map((table) => [table, make(table)])) as Record<TableName, TableClient>;
  }

  /** Creates the tables the worker writes (an existing table is fine). */
  async init(): Promise<void> {
    await Promise.all(Object.values(this.clients).map((client) => tableCall(`create ${client.tableName}`, () => client.createTable())));
  }

  async appendEvent(event: ChatEvent, receivedAt: Date): Promise<'appended' | 'exists'> {
    return (await this.insert(Tables.events, eventLogEntity(event, receivedAt))) ? 'appended' : 'exists';
  }

  async claimFrame(hub: string, user: string, clientId: string, claim: FrameClaim): Promise<FrameClaim> {
    const keys = dedupKeys(hub, user, clientId);
    const entity: DedupEntity & { state?: string } = { ...keys, eventId: claim.eventId, ...(claim.state === undefined ? {} : { state: claim.state }) };
    if (await this.insert(Tables.dedup, entity)) return claim;
    const held = await this.get(Tables.dedup, keys.partitionKey, keys.rowKey);
    // Gone between the insert and the read (a rebuild cleared it): a plain transient retry sorts it out.
    if (!held || typeof held.eventId !== 'string') throw new Error(`dedup row ${keys.partitionKey}/${keys.rowKey} vanished`);
    return typeof held.state === 'string' ? { eventId: held.eventId, state: held.state } : { eventId: held.eventId };
  }

  async roomExists(hub: string, room: string): Promise<boolean> {
    const { partitionKey } = roomsKeys(hub, room, '');
    return (await this.query(Tables.rooms, odata`PartitionKey eq ${partitionKey}`, ['RowKey'], 1)).length > 0;
  }

  async isMember(hub: string, room: string, user: string): Promise<boolean> {
    const keys = roomsKeys(hub, room, user);
    return (await this.get(Tables.rooms, keys.partitionKey, keys.rowKey)) !== undefined;
  }

  async isKnownUser(hub: string, user: string): Promise<boolean> {
    const keys = presenceKeys(hub, user);
    return (await this.get(Tables.presence, keys.partitionKey, keys.rowKey)) !== undefined;
  }

  async roomsOf(hub: string, user: string): Promise<string[]> {
    const { partitionKey } = membershipsKeys(hub, user, '');
    const rows = await this.query(Tables.memberships, odata`PartitionKey eq ${partitionKey}`, ['room']);
    return rows.map((row) => String(row.room));
  }

  async onlineUsers(hub: string): Promise<string[]> {
    const { partitionKey } = presenceKeys(hub, '');
    const rows = await this.query(Tables.presence, odata`PartitionKey eq ${partitionKey} and online eq ${true}`, ['user']);
    return rows.map((row) => String(row.user));
  }

  async connectionsOf(hub: string, user: string): Promise<string[]> {
    const { partitionKey } = connectionsKeys(hub, user, '');
    const rows = await this.query(Tables.connections, odata`PartitionKey eq ${partitionKey}`, ['connectionId']);
    return rows.map((row) => String(row.connectionId));
  }

  async readHistory(hub: string, query: HistoryQuery): Promise<HistoryRow[]> {
    const partitionKey = conversationKey(hub, query.conversation);
    const filter =
      query.afterRowKey === undefined
        ? odata`PartitionKey eq ${partitionKey}`
        : odata`PartitionKey eq ${partitionKey} and RowKey gt ${query.afterRowKey}`;
    const rows = await this.query(Tables.messages, filter, undefined, query.limit + 1);
    return rows.map((row) => ({ rowKey: String(row.rowKey), message: toMessageFrame(row) }));
  }

  async apply(writes: readonly ProjectionWrite[]): Promise<void> {
    // Independent rows in different tables: in parallel. A failure retries them all, which is safe.
    await Promise.all(writes.map((write) => this.applyOne(write)));
  }

  private async applyOne(write: ProjectionWrite): Promise<void> {
    switch (write.kind) {
      case 'putMessage': {
        const { message } = write;
        const entity: MessageEntity = {
          partitionKey: conversationKey(write.hub, write.conversation),
          rowKey: messageRowKey(Date.parse(message.at), message.id),
          messageId: message.id,
          clientId: message.clientId,
          from: message.from,
          ...(message.room === undefined ? {} : { room: message.room }),
          ...(message.to === undefined ? {} : { to: message.to }),
          text: message.text,
          at: message.at,
        };
        return this.upsert(Tables.messages, entity);
      }
      case 'putMember': {
        const row = { room: write.room, user: write.user, joinedAt: write.joinedAt, eventId: write.eventId };
        const inRoom: MemberEntity = { ...roomsKeys(write.hub, write.room, write.user), ...row };
        const ofUser: MemberEntity = { ...membershipsKeys(write.hub, write.user, write.room), ...row };
        await Promise.all([this.upsert(Tables.rooms, inRoom), this.upsert(Tables.memberships, ofUser)]);
        return;
      }
      case 'removeMember': {
        const inRoom = roomsKeys(write.hub, write.room, write.user);
        const ofUser = membershipsKeys(write.hub, write.user, write.room);
        await Promise.all([this.remove(Tables.rooms, inRoom), this.remove(Tables.memberships, ofUser)]);
        return;
      }
      case 'putConnection': {
        const entity: ConnectionEntity = {
          ...connectionsKeys(write.hub, write.user, write.connectionId),
          user: write.user,
          connectionId: write.connectionId,
          connectedAt: write.connectedAt,
          eventId: write.eventId,
        };
        return this.upsert(Tables.connections, entity);
      }
      case 'removeConnection':
        return this.remove(Tables.connections, connectionsKeys(write.hub, write.user, write.connectionId));
      case 'putPresence': {
        const entity: PresenceEntity = {
          ...presenceKeys(write.hub, write.user),
          user: write.user,
          online: write.online,
          connectionCount: write.connectionCount,
          lastSeen: write.lastSeen,
        };
        return this.upsert(Tables.presence, entity);
      }
    }
  }

  /**
   * One table operation. A table that went away (a rebuild dropped it, storage came back empty)
   * is created again and the operation repeated, instead of failing every event until a restart.
   */
  private async call<T>(table: TableName, operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await tableCall(`${operation} ${table}`, fn);
    } catch (error) {
      if (!isTableNotFound(error)) throw error;
      await tableCall(`create ${table}`, () => this.clients[table].createTable());
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

  private async upsert<T extends object>(table: TableName, entity: TableEntity<T>): Promise<void> {
    await this.call(table, 'upsert', () => this.clients[table].upsertEntity<T>(entity, 'Replace'));
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
}

function toMessageFrame(row: Row): MessageFrame {
  const message: MessageFrame = {
    type: 'message',
    id: String(row.messageId),
    clientId: String(row.clientId),
    from: String(row.from),
    text: String(row.text),
    at: String(row.at),
  };
  if (typeof row.room === 'string') message.room = row.room;
  if (typeof row.to === 'string') message.to = row.to;
  return message;
}
