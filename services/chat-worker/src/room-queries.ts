import type { DirectoryFrame, MembersFrame } from '@parley/contracts';
import { loadMembersAccess } from './load-moderation.js';
import {
  answerDirectory,
  answerMembers,
  MAX_BANS_LISTED,
  MAX_MEMBERS_LISTED,
  planDirectory,
  planMembers,
  type Decision,
  type EventContext,
  type ListedMember,
} from './rules/index.js';
import type { ChatStore } from './store/chat-store.js';

/**
 * `members` and `directory` only read, like `history`: no claim, no event-log projection, the
 * answer to the asking connection. `members`: who may ask first (the room row and the asker's
 * member row), then the members, their presence and, for the owner and moderators, the bans.
 */
export async function answerRoomQuery(frame: MembersFrame | DirectoryFrame, ctx: EventContext, store: ChatStore): Promise<Decision> {
  if (frame.type === 'directory') {
    const plan = planDirectory(frame, ctx);
    if (!plan.ok) return plan.decision;
    return answerDirectory(frame, plan.query, await store.directoryPage(ctx.hub, plan.query), ctx);
  }
  const access = await loadMembersAccess(store, frame, ctx);
  const plan = planMembers(frame, access, ctx);
  if (!plan.ok) return plan.decision;
  const [rows, banned] = await Promise.all([
    store.roomMembers(ctx.hub, frame.room, MAX_MEMBERS_LISTED),
    plan.seesBans ? store.roomBans(ctx.hub, frame.room, MAX_BANS_LISTED) : undefined,
  ]);
  const presence = await store.presenceOf(ctx.hub, rows.map((row) => row.user));
  const members: ListedMember[] = rows.map(({ user, row }) => {
    const seen = presence.get(user);
    return { user, row, online: seen?.online === true, ...(seen?.name === undefined ? {} : { name: seen.name }) };
  });
  return answerMembers(frame, access, members, banned, ctx);
}
