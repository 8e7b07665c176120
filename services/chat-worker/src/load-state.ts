import type { HistoryFrame } from '@parley/contracts';
import { loadMessageChangeState, loadReplyTarget } from './load-message-state.js';
import { conversationOf } from './rules/index.js';
import type { ChangingFrame, ConnectedState, DisconnectedState, EventContext, FrameState, HistoryState, JoinState, SendState } from './rules/index.js';
import type { KnownUsers } from './known-users.js';
import type { OnlineList } from './online-list.js';
import type { ChatStore, OnlineUser } from './store/chat-store.js';
import { loadMentionState, loadReadState, roomMentions, type NameLookup } from './load-live-state.js';
import { mayMention } from './rules/index.js';
import { counterOf, loadModerationState } from './load-moderation.js';

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
        if (frame.room !== undefined) {
          const room = frame.room;
          if (!mayMention(frame.text)) return loadRoomSendState(store, hub, room, userId);
          // A room message with `@` also reads the room's members: its mentions are looked up among them.
          const [sender, mentioned] = await Promise.all([
            loadRoomSendState(store, hub, room, userId),
            loadMentionState(store, { ...frame, room }, ctx, nameOf ?? ((h, u) => store.userName(h, u))),
          ]);
          return sender.kind === 'room' && sender.member && mentioned.kind === 'room' && mentioned.mentions !== undefined ? { ...sender, mentions: mentioned.mentions } : sender;
        }
        if (frame.to !== undefined) return { kind: 'direct', recipientKnown: frame.to !== userId && (await knownUser(store, hub, frame.to, knownUsers)) };
        return { kind: 'lobby' };
      };
      // A reply reads the message it answers, beside the sender's access.
      const replyTo = frame.replyTo;
      const [state, reply] = await Promise.all([access(), replyTo === undefined ? undefined : loadReplyTarget(store, hub, conversationOf(frame, userId), replyTo)]);
      return { type: 'send', state: reply === undefined ? state : { ...state, reply } };
    }
    case 'edit': {
      const room = frame.room;
      if (room === undefined || !mayMention(frame.text)) return { type: 'edit', state: await loadMessageChangeState(store, frame, hub, userId) };
      // An edit in a room with `@`: the new text's mentions are looked up among the members, beside the message.
      const [state, { mentions }] = await Promise.all([
        loadMessageChangeState(store, frame, hub, userId),
        roomMentions(store, hub, room, frame.text, nameOf ?? ((h, u) => store.userName(h, u))),
      ]);
      return { type: 'edit', state: state.target === undefined ? state : { ...state, mentions } };
    }
    case 'delete':
    case 'react':
      return { type: frame.type, state: await loadMessageChangeState(store, frame, hub, userId) };
    case 'join':
      return { type: 'join', state: await loadJoinState(store, hub, frame.room, userId) };
    case 'leave': {
      const [{ member, roomExists }, voice, row] = await Promise.all([
        membership(frame.room, userId),
        store.hasVoice(hub, frame.room, userId),
        store.roomRow(hub, frame.room),
      ]);
      if (!member) return { type: 'leave', state: { roomExists, member } };
      const counter = row === undefined ? undefined : await counterOf(store, hub, frame.room, row);
      return { type: 'leave', state: { roomExists, member, voice, ...(counter === undefined ? {} : { counter }) } };
    }
    case 'invite': {
      const [sender, inviteeKnown, inviteeMember, row, inviteeBanned, inviteeMutedUntil] = await Promise.all([
        membership(frame.room, userId),
        knownUser(store, hub, frame.user, knownUsers),
        store.isMember(hub, frame.room, frame.user),
        store.roomRow(hub, frame.room),
        store.isBanned(hub, frame.room, frame.user),
        store.mutedUntil(hub, frame.room, frame.user),
      ]);
      const state = { roomExists: sender.roomExists, senderMember: sender.member, inviteeKnown, inviteeMember };
      const visibility = row === undefined ? {} : { visibility: row.visibility };
      const banned = inviteeBanned ? { inviteeBanned: true as const } : {};
      // The count only when the invite can add someone (it is read from the row; older rows count their members).
      const adds = sender.member && inviteeKnown && !inviteeMember && !inviteeBanned && row !== undefined;
      const counter = adds ? { counter: await counterOf(store, hub, frame.room, row) } : {};
      const muted = adds && inviteeMutedUntil !== undefined ? { inviteeMutedUntil } : {};
      return { type: 'invite', state: { ...state, ...visibility, ...banned, ...muted, ...counter } };
    }
    case 'read':
      return { type: 'read', state: await loadReadState(store, frame, ctx) };
    case 'role':
    case 'remove':
    case 'ban':
    case 'mute':
      return { type: frame.type, state: await loadModerationState(store, frame, ctx) };
  }
}

/**
 * A room send's state when it cannot be assumed (the commit found no voice row): the member row
 * (with its mute) and the voice row, read together; whether the room exists only for a non-member.
 */
async function loadRoomSendState(store: ChatStore, hub: string, room: string, user: string): Promise<SendState> {
  const [row, voice] = await Promise.all([store.memberRow(hub, room, user), store.hasVoice(hub, room, user)]);
  if (row === undefined) return { kind: 'room', roomExists: await store.roomExists(hub, room), member: false };
  return { kind: 'room', roomExists: true, member: true, ...(row.mutedUntil === undefined ? {} : { mutedUntil: row.mutedUntil }), voice };
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
      .then(async (own) => ({ ...own, unread: withUnread ? await store.unreadCounts(ctx.hub, ctx.userId, own.rooms, own.directChats) : [] })),
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
 * A join's state: membership, the room's own row and the user's ban, read together; whether the
 * room exists at all only when neither tells (a join that may create it). The room's count only
 * when the join can add the user (not a member, not banned, not refused as private).
 */
async function loadJoinState(store: ChatStore, hub: string, room: string, user: string): Promise<JoinState> {
  const [member, row, isBanned, mutedUntil] = await Promise.all([
    store.isMember(hub, room, user),
    store.roomRow(hub, room),
    store.isBanned(hub, room, user),
    store.mutedUntil(hub, room, user),
  ]);
  const banned = isBanned ? { banned: true as const } : {};
  const muted = mutedUntil !== undefined && !member && !isBanned ? { mutedUntil } : {};
  const adds = !member && !isBanned;
  if (row !== undefined) {
    const counter = adds && row.visibility === 'public' ? { counter: await counterOf(store, hub, room, row) } : {};
    return { member, visibility: row.visibility, ...banned, ...muted, ...counter };
  }
  if (member) return { member };
  const roomExists = await store.roomExists(hub, room);
  // A room older than its row: the join writes the row, with the members counted so far.
  const counter = adds && roomExists ? { counter: { members: await store.countMembers(hub, room), visibility: 'public' as const } } : {};
  return { member, roomExists, ...banned, ...muted, ...counter };
}
