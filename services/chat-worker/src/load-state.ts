import type { HistoryFrame } from '@parley/contracts';
import { loadMessageChangeState, loadReplyTarget } from './load-message-state.js';
import { conversationOf } from './rules/index.js';
import type { ChangingFrame, ConnectedState, DisconnectedState, EventContext, FrameState, HistoryState, JoinState, SendState } from './rules/index.js';
import type { KnownUsers } from './known-users.js';
import type { OnlineList } from './online-list.js';
import type { ChatStore, OnlineUser } from './store/chat-store.js';
import { loadMentionState, loadReadState, type NameLookup } from './load-live-state.js';
import { mayMention } from './rules/index.js';

/** A known user stays known: a positive answer is remembered (live events only, see KnownUsers). */
async function knownUser(store: ChatStore, hub: string, user: string, cache: KnownUsers | undefined): Promise<boolean> {
  if (cache?.has(hub, user)) return true;
  const known = await store.isKnownUser(hub, user);
  if (known) cache?.add(hub, user);
  return known;
}

/** Reads what a changing frame's rule needs. Member first: a member's room exists, which saves a read. */
export async function loadFrameState(store: ChatStore, frame: ChangingFrame, ctx: EventContext, knownUsers?: KnownUsers, nameOf?: NameLookup): Promise<FrameState> {
  const { hub, userId } = ctx;
  const membership = async (room: string, user: string) => {
    const member = await store.isMember(hub, room, user);
    return { member, roomExists: member || (await store.roomExists(hub, room)) };
  };
  switch (frame.type) {
    case 'send': {
      const access = async (): Promise<SendState> => {
        // A room message with `@` reads the room's members: its mentions are looked up among them.
        if (frame.room !== undefined && mayMention(frame.text)) {
          return loadMentionState(store, { ...frame, room: frame.room }, ctx, nameOf ?? ((h, u) => store.userName(h, u)));
        }
        if (frame.room !== undefined) return { kind: 'room', ...(await membership(frame.room, userId)) };
        if (frame.to !== undefined) return { kind: 'direct', recipientKnown: frame.to !== userId && (await knownUser(store, hub, frame.to, knownUsers)) };
        return { kind: 'lobby' };
      };
      // A reply reads the message it answers, beside the sender's access.
      const replyTo = frame.replyTo;
      const [state, reply] = await Promise.all([access(), replyTo === undefined ? undefined : loadReplyTarget(store, hub, conversationOf(frame, userId), replyTo)]);
      return { type: 'send', state: reply === undefined ? state : { ...state, reply } };
    }
    case 'edit':
    case 'delete':
    case 'react':
      return { type: frame.type, state: await loadMessageChangeState(store, frame, hub, userId) };
    case 'join':
      return { type: 'join', state: await loadJoinState(store, hub, frame.room, userId) };
    case 'leave':
      return { type: 'leave', state: await membership(frame.room, userId) };
    case 'invite': {
      const [sender, inviteeKnown, inviteeMember, visibility] = await Promise.all([
        membership(frame.room, userId),
        knownUser(store, hub, frame.user, knownUsers),
        store.isMember(hub, frame.room, frame.user),
        store.roomVisibility(hub, frame.room),
      ]);
      const state = { roomExists: sender.roomExists, senderMember: sender.member, inviteeKnown, inviteeMember };
      return { type: 'invite', state: visibility === undefined ? state : { ...state, visibility } };
    }
    case 'read':
      return { type: 'read', state: await loadReadState(store, frame, ctx) };
  }
}

/** A frozen state read back from the dedup table; undefined if it is not one for this frame type. */
export function parseFrozenState(json: string, type: ChangingFrame['type']): FrameState | undefined {
  try {
    const parsed = JSON.parse(json) as { type?: unknown; state?: unknown };
    return parsed.type === type && typeof parsed.state === 'object' && parsed.state !== null ? (parsed as FrameState) : undefined;
  } catch {
    return undefined;
  }
}

export async function loadHistoryState(store: ChatStore, frame: HistoryFrame, ctx: EventContext): Promise<HistoryState> {
  if (frame.room !== undefined) {
    const [member, visibility] = await Promise.all([store.isMember(ctx.hub, frame.room, ctx.userId), store.roomVisibility(ctx.hub, frame.room)]);
    const roomExists = member || (await store.roomExists(ctx.hub, frame.room));
    return { kind: 'room', member, roomExists, private: visibility === 'private' };
  }
  return frame.with !== undefined ? { kind: 'direct' } : { kind: 'lobby' };
}

/** `withUnread`: count the unread messages for the state frame (not for a replay, which tells nobody). */
export async function loadConnectedState(store: ChatStore, ctx: EventContext, onlineList?: OnlineList<OnlineUser>, withUnread = false): Promise<ConnectedState> {
  const readOnline = () => store.onlineProfiles(ctx.hub);
  const [connections, { rooms, privateRooms, unread }, profiles] = await Promise.all([
    store.connectionsOf(ctx.hub, ctx.userId),
    store
      .roomsWithVisibilityOf(ctx.hub, ctx.userId)
      .then(async (own) => ({ ...own, unread: withUnread ? await store.unreadCounts(ctx.hub, ctx.userId, own.rooms) : [] })),
    onlineList ? onlineList.read(ctx.hub, readOnline) : readOnline(),
  ]);
  const online = profiles.map((profile) => profile.user);
  const named = profiles.filter((profile): profile is OnlineUser & { name: string } => profile.name !== undefined);
  if (named.length === 0) return { connections, rooms, privateRooms, online, unread };
  // From entries: a user id such as "__proto__" stays an own key.
  return { connections, rooms, privateRooms, online, unread, names: Object.fromEntries(named.map((profile) => [profile.user, profile.name])) };
}

export async function loadDisconnectedState(store: ChatStore, ctx: EventContext): Promise<DisconnectedState> {
  return { connections: await store.connectionsOf(ctx.hub, ctx.userId) };
}

/**
 * A join's state: membership and the room's own row, read together; whether the room exists at
 * all only when neither tells (a join that may create it).
 */
async function loadJoinState(store: ChatStore, hub: string, room: string, user: string): Promise<JoinState> {
  const [member, visibility] = await Promise.all([store.isMember(hub, room, user), store.roomVisibility(hub, room)]);
  if (visibility !== undefined) return { member, visibility };
  return member ? { member } : { member, roomExists: await store.roomExists(hub, room) };
}
