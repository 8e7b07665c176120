import {
  conversationKey,
  messageIndexKeys,
  messageRowKey,
  Tables,
  type MessageEntity,
  type MessageFrame,
  type MessageIndexEntity,
} from '@parley/contracts';
import { shownReactions, type ProjectionWrite, type QuotedMessage, type Reaction } from '../rules/index.js';
import type { RowChange } from './entities.js';

type PutMessage = Extract<ProjectionWrite, { kind: 'putMessage' }>;
type ChangeMessage = Extract<ProjectionWrite, { kind: 'changeMessage' }>;

/**
 * A message's row and its index row (`~msg:<id>` → the row key), both in the conversation's
 * partition, so the send's commit writes them in its one transaction. `create`: upserted with
 * the claim, and never written over outside it — a redelivered send must not undo an edit,
 * delete or reaction stored since.
 */
export function messageRowChanges(write: PutMessage): RowChange[] {
  const { message } = write;
  const rowKey = messageRowKey(Date.parse(message.at), message.id);
  const entity: MessageEntity = { partitionKey: conversationKey(write.hub, write.conversation), rowKey, ...messageColumns(message) };
  const index: MessageIndexEntity = { ...messageIndexKeys(write.hub, write.conversation, message.id), messageRowKey: rowKey };
  return [
    { op: 'create', table: Tables.messages, entity },
    { op: 'create', table: Tables.messages, entity: index },
  ];
}

/**
 * A change of a stored message, conditional on the ETag the rule read: an edit or a reaction
 * merges its columns; a delete replaces the row with one that keeps only who sent it and when.
 */
export function messageChangeRow(write: ChangeMessage): RowChange {
  const keys = { partitionKey: conversationKey(write.hub, write.conversation), rowKey: write.rowKey };
  const { change } = write;
  switch (change.kind) {
    case 'edit': {
      // A merge cannot drop a column: no mentions any more is stored as an empty list (read as none).
      const mentions = change.mentions === undefined ? {} : { mentions: JSON.stringify(change.mentions) };
      return { op: 'update', mode: 'Merge', etag: write.etag, table: Tables.messages, entity: { ...edited(keys, change.text, change.editedAt), ...mentions } };
    }
    case 'react':
      // An empty list is stored as such (a merge cannot drop a column); it reads as no reactions.
      return { op: 'update', mode: 'Merge', etag: write.etag, table: Tables.messages, entity: reacted(keys, JSON.stringify(change.reactions)) };
    case 'delete': {
      const entity: MessageEntity = { ...keys, ...messageColumns(change.message) };
      return { op: 'update', mode: 'Replace', etag: write.etag, table: Tables.messages, entity };
    }
  }
}

type Keys = { partitionKey: string; rowKey: string };
const edited = (keys: Keys, text: string, editedAt: string): Pick<MessageEntity, keyof Keys | 'text' | 'editedAt'> => ({ ...keys, text, editedAt });
const reacted = (keys: Keys, reactions: string): Pick<MessageEntity, keyof Keys | 'reactions'> => ({ ...keys, reactions });

function messageColumns(message: MessageFrame): Omit<MessageEntity, 'partitionKey' | 'rowKey'> {
  return {
    messageId: message.id,
    clientId: message.clientId,
    from: message.from,
    ...(message.fromName === undefined ? {} : { fromName: message.fromName }),
    ...(message.room === undefined ? {} : { room: message.room }),
    ...(message.to === undefined ? {} : { to: message.to }),
    text: message.text,
    at: message.at,
    ...(message.replyTo === undefined ? {} : { replyTo: JSON.stringify(message.replyTo) }),
    ...(message.editedAt === undefined ? {} : { editedAt: message.editedAt }),
    ...(message.deleted === true ? { deleted: true } : {}),
    ...(message.reactions === undefined || message.reactions.length === 0 ? {} : { reactions: JSON.stringify(message.reactions) }),
    ...(message.mentions === undefined ? {} : { mentions: JSON.stringify(message.mentions) }),
  };
}

/**
 * A message row as a `message` frame with its current state. Reactions keep every reacting user
 * here (the rules need them all); frames cut them to Limits.maxReactorsListed (shownReactions).
 * A column that does not parse is left out rather than failing the whole history.
 */
export function messageOfRow(row: Record<string, unknown>): MessageFrame {
  const message: MessageFrame = {
    type: 'message',
    id: String(row.messageId),
    clientId: String(row.clientId),
    from: String(row.from),
    text: String(row.text),
    at: String(row.at),
  };
  if (typeof row.fromName === 'string') message.fromName = row.fromName;
  if (typeof row.room === 'string') message.room = row.room;
  if (typeof row.to === 'string') message.to = row.to;
  if (row.deleted === true) {
    message.deleted = true;
    return message;
  }
  const replyTo = parsed<QuotedMessage>(row.replyTo, (value) => typeof value === 'object' && value !== null && !Array.isArray(value));
  if (replyTo !== undefined) message.replyTo = replyTo;
  if (typeof row.editedAt === 'string') message.editedAt = row.editedAt;
  const reactions = parsed<Reaction[]>(row.reactions, Array.isArray);
  if (reactions !== undefined && reactions.length > 0) message.reactions = reactions;
  const mentions = parsed<string[]>(row.mentions, Array.isArray);
  if (mentions !== undefined && mentions.length > 0) message.mentions = mentions;
  return message;
}

/** A message as frames show it: each reaction's users cut to Limits.maxReactorsListed. */
export function shownMessage(message: MessageFrame): MessageFrame {
  return message.reactions === undefined ? message : { ...message, reactions: shownReactions(message.reactions) };
}

function parsed<T>(column: unknown, fits: (value: unknown) => boolean): T | undefined {
  if (typeof column !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(column);
    return fits(value) ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}
