import type { ReadFrame, SendFrame } from '@parley/contracts';
import { extractMentions, readConversation, type EventContext, type ReadState, type SendState } from './rules/index.js';
import type { ChatStore } from './store/chat-store.js';
import { SEEN_BY_COUNT } from './store/read-rows.js';

/** A member's display name (undefined: none): the worker's cache when live, the table on a replay. */
export type NameLookup = (hub: string, user: string) => Promise<string | undefined>;

/**
 * Names looked up for one message's mentions at most: a member whose name is not cached is read,
 * up to this many, so a message with `@` in a big room costs a bounded number of reads.
 */
export const MENTION_NAME_READS = 64;

/**
 * A read's state: the message and the reader's position in one query; in a room beside it the
 * first members, up to one more than "seen by" allows — in a room that small they tell
 * membership too, in a bigger one a point read does.
 */
export async function loadReadState(store: ChatStore, frame: ReadFrame, ctx: EventContext): Promise<ReadState> {
  const { hub, userId } = ctx;
  const marks = store.readPosition(hub, readConversation(frame, userId), userId, frame.message);
  if (frame.room === undefined) return marks;
  const room = frame.room;
  const members = async () => {
    const first = await store.roomMemberIds(hub, room, SEEN_BY_COUNT);
    const member = first.length < SEEN_BY_COUNT ? first.includes(userId) : await store.isMember(hub, room, userId);
    return { exists: first.length > 0, member, members: first.length };
  };
  const [found, inRoom] = await Promise.all([marks, members()]);
  return { ...found, room: inRoom };
}

/**
 * A room message with `@`: the room's members in one range query (which tells membership too) and
 * their display names, then the mentions found among them (rules/mentions.ts).
 */
export async function loadMentionState(store: ChatStore, frame: SendFrame & { room: string }, ctx: EventContext, nameOf: NameLookup): Promise<SendState> {
  const { members, mentions } = await roomMentions(store, ctx.hub, frame.room, frame.text, nameOf);
  const member = members.includes(ctx.userId);
  return { kind: 'room', roomExists: members.length > 0, member, mentions: member ? mentions : [] };
}

/** The room's members (one range query) and those of them `text` mentions, by id or display name. */
export async function roomMentions(store: ChatStore, hub: string, room: string, text: string, nameOf: NameLookup): Promise<{ members: string[]; mentions: string[] }> {
  const members = await store.roomMemberIds(hub, room);
  const named = await Promise.all(members.slice(0, MENTION_NAME_READS).map(async (user) => [user, await nameOf(hub, user)] as const));
  const names = new Map(named.filter((entry): entry is readonly [string, string] => entry[1] !== undefined));
  return { members, mentions: extractMentions(text, { members, names }) };
}
