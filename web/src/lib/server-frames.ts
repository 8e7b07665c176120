import type { ServerFrame } from '@parley/contracts';

/**
 * What one WebSocket text frame from the server carries, in order: the frame
 * itself, or each frame of a `batch` (docs/chat-protocol.md), to be handled as
 * if each had arrived alone. A batch's unreadable frames are dropped one by
 * one (the rest still count); undefined when nothing in it is readable.
 */
export function parseServerFrames(raw: unknown): ServerFrame[] | undefined {
  if (typeof raw !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (isRecord(value) && value.type === 'batch') {
    if (!Array.isArray(value.frames)) return undefined;
    const frames = value.frames.map(checkFrame).filter((frame): frame is ServerFrame => frame !== undefined);
    return frames.length > 0 ? frames : undefined;
  }
  const frame = checkFrame(value);
  return frame ? [frame] : undefined;
}

/**
 * A light structural check of one server frame. The contracts' validators pull
 * in TypeBox's compiler (and node's Buffer), which the page must not bundle;
 * the server is trusted, so this only guards against shapes the reducer
 * could not handle. Returns undefined for anything unreadable.
 */
function checkFrame(value: unknown): ServerFrame | undefined {
  if (!isRecord(value) || typeof value.type !== 'string') return undefined;
  const v = value;
  switch (v.type) {
    case 'hello':
      return str(v.user) && str(v.connectionId) ? (v as ServerFrame) : undefined;
    case 'ack':
      return str(v.id) && typeof v.ok === 'boolean' && (v.error === undefined || isCoded(v.error))
        ? (v as ServerFrame)
        : undefined;
    case 'message':
      return isMessage(v) ? (v as ServerFrame) : undefined;
    case 'history':
      return Array.isArray(v.messages) && v.messages.every(isMessage) && (v.next === null || str(v.next) || v.next === undefined)
        ? ({ ...v, next: v.next ?? null } as ServerFrame)
        : undefined;
    case 'state':
      return strings(v.rooms) &&
        strings(v.online) &&
        (v.privateRooms === undefined || strings(v.privateRooms)) &&
        (v.unread === undefined || (Array.isArray(v.unread) && v.unread.every(isUnread)))
        ? (v as ServerFrame)
        : undefined;
    case 'presence':
      return str(v.user) && typeof v.online === 'boolean' ? (v as ServerFrame) : undefined;
    case 'room':
      return str(v.room) && str(v.user) && (v.event === 'joined' || v.event === 'left' || v.event === 'invited')
        ? (v as ServerFrame)
        : undefined;
    case 'error':
      return str(v.id) && isCoded(v.error) ? (v as ServerFrame) : undefined;
    case 'update':
      return str(v.id) && str(v.from) && str(v.by) && optionalStr(v.text) && (v.reactions === undefined || isReactions(v.reactions))
        ? (v as ServerFrame)
        : undefined;
    case 'typing':
      return str(v.user) && optionalStr(v.room) && optionalStr(v.to) ? (v as ServerFrame) : undefined;
    case 'read':
      return str(v.user) && str(v.message) && str(v.at) && optionalStr(v.room) && optionalStr(v.to) ? (v as ServerFrame) : undefined;
    case 'members':
      return str(v.room) && Array.isArray(v.members) && v.members.every(isMember) && (v.banned === undefined || strings(v.banned))
        ? (v as ServerFrame)
        : undefined;
    case 'directory':
      return Array.isArray(v.rooms) && v.rooms.every((r) => isRecord(r) && str(r.room) && typeof r.members === 'number') && (v.next === null || str(v.next))
        ? (v as ServerFrame)
        : undefined;
    case 'moderation':
      return str(v.room) && str(v.user) && str(v.by) && MODERATION_ACTIONS.has(v.action as string) ? (v as ServerFrame) : undefined;
    default:
      return undefined;
  }
}

const MODERATION_ACTIONS: ReadonlySet<string> = new Set(['role', 'removed', 'banned', 'unbanned', 'muted', 'unmuted']);
const ROLES: ReadonlySet<string> = new Set(['owner', 'moderator', 'member']);

function isUnread(value: unknown): boolean {
  return isRecord(value) && typeof value.count === 'number' && typeof value.mentions === 'number' && optionalStr(value.room) && optionalStr(value.with);
}

function isMember(value: unknown): boolean {
  return isRecord(value) && str(value.user) && ROLES.has(value.role as string) && typeof value.online === 'boolean';
}

function isReactions(value: unknown): boolean {
  return Array.isArray(value) && value.every((r) => isRecord(r) && str(r.emoji) && typeof r.count === 'number' && strings(r.users));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function str(value: unknown): value is string {
  return typeof value === 'string';
}

function strings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every(str);
}

function optionalStr(value: unknown): boolean {
  return value === undefined || str(value);
}

function isCoded(value: unknown): boolean {
  return isRecord(value) && str(value.code) && str(value.message);
}

function isMessage(value: unknown): boolean {
  return (
    isRecord(value) &&
    str(value.id) &&
    str(value.from) &&
    str(value.text) &&
    str(value.at) &&
    optionalStr(value.clientId) &&
    optionalStr(value.room) &&
    optionalStr(value.to) &&
    (value.reactions === undefined || isReactions(value.reactions)) &&
    (value.mentions === undefined || strings(value.mentions)) &&
    (value.replyTo === undefined || (isRecord(value.replyTo) && str(value.replyTo.id) && str(value.replyTo.from) && str(value.replyTo.text)))
  );
}
