import type { MessageFrame, UpdateFrame } from '@parley/contracts';
import { insertLine, type ChatMessage, type Line } from './chat-state.js';

/** A message's state beside its text, as the server frames carry it (each field optional). */
type MessageStateFields = Pick<ChatMessage, 'replyTo' | 'editedAt' | 'deleted' | 'reactions' | 'mentions'>;

function stateFields(m: MessageFrame): MessageStateFields {
  return {
    ...(m.replyTo === undefined ? {} : { replyTo: m.replyTo }),
    ...(m.editedAt === undefined ? {} : { editedAt: m.editedAt }),
    ...(m.deleted === true ? { deleted: true } : {}),
    ...(m.reactions === undefined || m.reactions.length === 0 ? {} : { reactions: m.reactions }),
    ...(m.mentions === undefined || m.mentions.length === 0 ? {} : { mentions: m.mentions }),
  };
}

export function messageLine(m: MessageFrame): ChatMessage {
  return {
    kind: 'message', key: m.id, id: m.id, clientId: m.clientId, from: m.from, text: m.text, at: m.at, state: 'sent',
    ...(m.fromName === undefined ? {} : { fromName: m.fromName }),
    ...stateFields(m),
  };
}

/**
 * Adds or merges one server message; returns the same array when nothing changed. A message
 * already shown takes the state the frame carries (a history page read after a reconnect
 * brings edits, deletions and reactions that happened meanwhile).
 */
export function mergeMessage(lines: readonly Line[], m: MessageFrame, me: string): readonly Line[] {
  const shown = lines.findIndex((l) => l.kind === 'message' && l.id === m.id);
  if (shown >= 0) return refresh(lines, shown, m);
  const line = messageLine(m);
  const own = m.from === me && m.clientId ? lines.findIndex((l) => l.kind === 'message' && l.clientId === m.clientId && l.from === me) : -1;
  if (own < 0) return insertLine(lines, line);
  // Our own message came back: keep its render key so the row is not re-created.
  const previous = lines[own] as ChatMessage;
  const rest = [...lines.slice(0, own), ...lines.slice(own + 1)];
  return insertLine(rest, { ...line, key: previous.key });
}

function refresh(lines: readonly Line[], index: number, m: MessageFrame): readonly Line[] {
  const current = lines[index] as ChatMessage;
  // An edit time orders states: an older copy (a page asked for before the edit) never undoes a newer one.
  if (current.deleted === true && m.deleted !== true) return lines;
  if ((current.editedAt ?? '') > (m.editedAt ?? '')) return lines;
  const fields = stateFields(m);
  const next: ChatMessage = {
    ...withoutState(current),
    text: m.text,
    ...fields,
  };
  if (sameState(current, next)) return lines;
  return lines.map((l, i) => (i === index ? next : l));
}

function withoutState(line: ChatMessage): ChatMessage {
  const copy: { -readonly [K in keyof ChatMessage]?: ChatMessage[K] } = { ...line };
  delete copy.replyTo;
  delete copy.editedAt;
  delete copy.deleted;
  delete copy.reactions;
  delete copy.mentions;
  return copy as ChatMessage;
}

function sameState(a: ChatMessage, b: ChatMessage): boolean {
  return (
    a.text === b.text &&
    a.editedAt === b.editedAt &&
    a.deleted === b.deleted &&
    JSON.stringify(a.reactions ?? []) === JSON.stringify(b.reactions ?? []) &&
    JSON.stringify(a.mentions ?? []) === JSON.stringify(b.mentions ?? []) &&
    JSON.stringify(a.replyTo ?? null) === JSON.stringify(b.replyTo ?? null)
  );
}

/**
 * Applies an `update` frame to the message it names, when shown: new text and edit time,
 * the deletion (text gone), or the whole reactions list. Same array when nothing changed.
 */
export function applyUpdate(lines: readonly Line[], frame: UpdateFrame): readonly Line[] {
  const index = lines.findIndex((l) => l.kind === 'message' && l.id === frame.id);
  if (index < 0) return lines;
  const current = lines[index] as ChatMessage;
  let next: ChatMessage = current;
  if (frame.deleted === true) {
    next = { ...withoutState(current), text: '', deleted: true, ...(current.replyTo ? { replyTo: current.replyTo } : {}) };
  } else if (current.deleted === true) {
    return lines; // nothing comes back after a deletion
  } else {
    if (frame.text !== undefined && (frame.editedAt ?? '') >= (current.editedAt ?? '')) {
      next = { ...next, text: frame.text, ...(frame.editedAt === undefined ? {} : { editedAt: frame.editedAt }) };
      // An edit in a room says whom the new text mentions: the highlight follows the text.
      if (frame.mentions !== undefined) next = frame.mentions.length > 0 ? { ...next, mentions: frame.mentions } : dropMentions(next);
    }
    if (frame.reactions !== undefined) {
      next = frame.reactions.length > 0 ? { ...next, reactions: frame.reactions } : dropReactions(next);
    }
  }
  if (next === current || sameState(current, next)) return lines;
  return lines.map((l, i) => (i === index ? next : l));
}

function dropMentions(line: ChatMessage): ChatMessage {
  const copy: { -readonly [K in keyof ChatMessage]?: ChatMessage[K] } = { ...line };
  delete copy.mentions;
  return copy as ChatMessage;
}

function dropReactions(line: ChatMessage): ChatMessage {
  const copy: { -readonly [K in keyof ChatMessage]?: ChatMessage[K] } = { ...line };
  delete copy.reactions;
  return copy as ChatMessage;
}

/** The message with this server id, when shown. */
export function findMessage(lines: readonly Line[], id: string): ChatMessage | undefined {
  return lines.find((l): l is ChatMessage => l.kind === 'message' && l.id === id);
}

/** The newest message of the list that the server has (has an id), optionally by someone else than `me`. */
export function newestMessage(lines: readonly Line[], notFrom?: string): ChatMessage | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i] as Line;
    if (l.kind === 'message' && l.id !== undefined && (notFrom === undefined || l.from !== notFrom)) return l;
  }
  return undefined;
}

/** The user's own newest message that can still be edited (sent, not deleted). */
export function lastOwnMessage(lines: readonly Line[], me: string): ChatMessage | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i] as Line;
    if (l.kind === 'message' && l.from === me && l.id !== undefined && l.deleted !== true) return l;
  }
  return undefined;
}
