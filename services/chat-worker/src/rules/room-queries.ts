import {
  ErrorCodes,
  Limits,
  type DirectoryAnswerFrame,
  type DirectoryFrame,
  type MembersAnswerFrame,
  type MembersFrame,
  type RoomRole,
  type RoomVisibility,
} from '@parley/contracts';
import { isMutedAt, roleOf } from './moderation.js';
import type { MemberRow } from './moderation-writes.js';
import { reject, toConnection } from './reject.js';
import type { Decision, EventContext } from './types.js';

/** A `members` answer lists at most this many members (the first by key): a bounded read, one frame well under the bus's size. */
export const MAX_MEMBERS_LISTED = 500;
/** And at most this many banned users. */
export const MAX_BANS_LISTED = 500;

/** Who asks about which room: enough to decide whether they may see its members and its bans. */
export interface MembersAccess {
  readonly roomExists: boolean;
  readonly visibility?: RoomVisibility;
  readonly owner?: string;
  /** The asker's member row; absent: not a member. */
  readonly asker?: MemberRow;
}

export type MembersPlan = { readonly ok: true; readonly seesBans: boolean } | { readonly ok: false; readonly decision: Decision };

/** A private room's members are listed to its members only; a public room's to anyone; bans to the owner and moderators. */
export function planMembers(frame: MembersFrame, access: MembersAccess, ctx: EventContext): MembersPlan {
  if (!access.roomExists) return { ok: false, decision: reject(ctx, frame.id, ErrorCodes.unknownRoom, frame.room) };
  if (access.asker === undefined && access.visibility === 'private') {
    return { ok: false, decision: reject(ctx, frame.id, ErrorCodes.roomPrivate, frame.room) };
  }
  const seesBans = access.asker !== undefined && roleOf(ctx.userId, access.asker, access.owner) !== 'member';
  return { ok: true, seesBans };
}

export interface ListedMember {
  readonly user: string;
  readonly row: MemberRow;
  readonly online: boolean;
  readonly name?: string;
}

const RANK: Record<RoomRole, number> = { owner: 0, moderator: 1, member: 2 };

/** The answer: owner first, then moderators, then members, each by user id; `mutedUntil` only while muted. */
export function answerMembers(frame: MembersFrame, access: MembersAccess, members: readonly ListedMember[], banned: readonly string[] | undefined, ctx: EventContext): Decision {
  const listed = members.map((member) => {
    const role = roleOf(member.user, member.row, access.owner);
    const entry: MembersAnswerFrame['members'][number] = { user: member.user, role, online: member.online };
    if (member.name !== undefined) entry.name = member.name;
    if (isMutedAt(member.row, ctx.receivedAt)) entry.mutedUntil = member.row.mutedUntil!;
    return entry;
  });
  listed.sort((a, b) => RANK[a.role] - RANK[b.role] || (a.user < b.user ? -1 : a.user > b.user ? 1 : 0));
  const answer: MembersAnswerFrame = { type: 'members', id: frame.id, room: frame.room, members: listed };
  if (banned !== undefined) answer.banned = [...banned].sort();
  return { writes: [], commands: [toConnection(ctx, answer)] };
}

/** What a `directory` page reads: public rooms whose name starts with `prefix`, after `after`, up to `limit` (+1 to tell there is more). */
export interface DirectoryQuery {
  readonly prefix: string;
  readonly after?: string;
  readonly limit: number;
}

export type DirectoryPlan = { readonly ok: true; readonly query: DirectoryQuery } | { readonly ok: false; readonly decision: Decision };

/** A lone UTF-16 surrogate has no UTF-8 form, so it can be no part of a key: such a prefix is refused. */
const encodable = (text: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);

export function planDirectory(frame: DirectoryFrame, ctx: EventContext): DirectoryPlan {
  const prefix = frame.prefix ?? '';
  if (!encodable(prefix) || (frame.after !== undefined && !encodable(frame.after))) {
    const error = { code: ErrorCodes.frameInvalid, message: 'the directory prefix or cursor is not valid Unicode' };
    return { ok: false, decision: { writes: [], commands: [toConnection(ctx, { type: 'error', id: frame.id, error })], rejected: error.code } };
  }
  const limit = Math.min(frame.limit ?? Limits.defaultDirectoryLimit, Limits.maxDirectoryLimit);
  return { ok: true, query: frame.after === undefined ? { prefix, limit } : { prefix, after: frame.after, limit } };
}

export interface DirectoryRow {
  readonly room: string;
  readonly members: number;
}

/** The page for up to `limit + 1` rows read in key order: the extra row only tells that `next` (the last room shown) continues. */
export function answerDirectory(frame: DirectoryFrame, query: DirectoryQuery, rows: readonly DirectoryRow[], ctx: EventContext): Decision {
  const shown = rows.slice(0, query.limit);
  const next = rows.length > query.limit && shown.length > 0 ? shown.at(-1)!.room : null;
  const answer: DirectoryAnswerFrame = { type: 'directory', id: frame.id, rooms: shown.map(({ room, members }) => ({ room, members })), next };
  return { writes: [], commands: [toConnection(ctx, answer)] };
}
