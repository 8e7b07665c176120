import type { DirectoryAnswerFrame, MembersAnswerFrame, ModerationFrame, RoomFrame } from '@parley/contracts';
import { nameOf, type ChatState, type Member, type MembersState, type RequestInfo } from './chat-state.js';
import { inWords, type CodedProblem } from './error-words.js';
import { shortTime } from './format.js';
import { roomKey } from './keys.js';
import { hasLine, systemLine, update, updateExisting, without } from './state-ops.js';

/* Members, the room directory and moderation: answers, notices, and refusals of those requests. */

export function onMembers(state: ChatState, frame: MembersAnswerFrame): ChatState {
  const s = frame.id !== undefined ? { ...state, requests: without(state.requests, frame.id) } : state;
  const members: MembersState = { loading: false, list: frame.members, ...(frame.banned === undefined ? {} : { banned: frame.banned }) };
  return update(s, roomKey(frame.room), (c) => ({ ...c, members }));
}

export function onDirectory(state: ChatState, frame: DirectoryAnswerFrame): ChatState {
  const req = frame.id !== undefined ? state.requests[frame.id] : undefined;
  const s = frame.id !== undefined ? { ...state, requests: without(state.requests, frame.id) } : state;
  // Only the answer to the newest search counts: typing on makes earlier ones stale.
  if (frame.id === undefined || frame.id !== state.directory.requestId) return s;
  const append = req?.kind === 'directory' && req.append;
  const rooms = append ? [...s.directory.rooms, ...frame.rooms.filter((r) => !s.directory.rooms.some((x) => x.room === r.room))] : frame.rooms;
  return { ...s, directory: { prefix: s.directory.prefix, rooms, next: frame.next, loading: false } };
}

/** Room membership frames keep a loaded member list current. */
export function membersOnRoomFrame(state: ChatState, frame: RoomFrame): ChatState {
  return updateExisting(state, roomKey(frame.room), (c) => {
    // Only a list the server gave is kept current; a pending or refused one waits for the next answer.
    if (!c.members || c.members.loading || c.members.error !== undefined) return c;
    const rest = c.members.list.filter((m) => m.user !== frame.user);
    if (frame.event === 'left') return { ...c, members: { ...c.members, list: rest } };
    if (rest.length < c.members.list.length) return c;
    const joined: Member = { user: frame.user, role: 'member', online: state.online.includes(frame.user), ...(frame.userName ? { name: frame.userName } : {}) };
    return { ...c, members: { ...c.members, list: [...rest, joined] } };
  });
}

export function onModeration(state: ChatState, frame: ModerationFrame, at: string): ChatState {
  const key = roomKey(frame.room);
  const mine = frame.user === state.me;
  let s = updateExisting(state, key, (c) => (c.members ? { ...c, members: moderateList(c.members, frame) } : c));
  if (mine && (frame.action === 'removed' || frame.action === 'banned')) s = update(s, key, (c) => ({ ...c, member: false, members: undefined }));
  const text = moderationText(s, frame);
  // The user it concerns may hear it twice: from the room, and on their own as they leave it.
  const recent = s.conversations[key]?.lines.slice(-3) ?? [];
  if (mine && recent.some((l) => l.kind === 'system' && l.text === text)) return s;
  return systemLine(s, key, text, at);
}

function moderateList(members: MembersState, frame: ModerationFrame): MembersState {
  const change = (fn: (m: Member) => Member) => members.list.map((m) => (m.user === frame.user ? fn(m) : m));
  switch (frame.action) {
    case 'role':
      return { ...members, list: change((m) => ({ ...m, role: frame.role ?? 'member' })) };
    case 'removed':
      return { ...members, list: members.list.filter((m) => m.user !== frame.user) };
    case 'banned':
      return {
        ...members,
        list: members.list.filter((m) => m.user !== frame.user),
        ...(members.banned ? { banned: [...members.banned.filter((u) => u !== frame.user), frame.user] } : {}),
      };
    case 'unbanned':
      return members.banned ? { ...members, banned: members.banned.filter((u) => u !== frame.user) } : members;
    case 'muted':
      return { ...members, list: change((m) => ({ ...m, ...(frame.until === undefined ? {} : { mutedUntil: frame.until }) })) };
    case 'unmuted':
      return {
        ...members,
        list: change((m) => {
          const copy: Partial<Member> = { ...m };
          delete copy.mutedUntil;
          return copy as Member;
        }),
      };
  }
}

/** "alice banned bob" — as a room notice, naming the user as "you" when it is the reader. */
export function moderationText(state: ChatState, frame: ModerationFrame): string {
  const by = frame.by === state.me ? 'You' : (frame.byName ?? nameOf(state, frame.by));
  const who = frame.user === state.me ? 'you' : (frame.userName ?? nameOf(state, frame.user));
  switch (frame.action) {
    case 'role':
      return frame.role === 'moderator' ? `${by} made ${who} a moderator` : `${by} made ${who} a member`;
    case 'removed':
      return `${by} removed ${who} from #${frame.room}`;
    case 'banned':
      return `${by} banned ${who} from #${frame.room}`;
    case 'unbanned':
      return `${by} lifted the ban on ${who}`;
    case 'muted':
      return frame.until ? `${by} muted ${who} until ${shortTime(frame.until)}` : `${by} muted ${who}`;
    case 'unmuted':
      return `${by} lifted the mute on ${who}`;
  }
}

const ACTION_WORDS: Readonly<Record<string, string>> = {
  edit: 'edit the message',
  delete: 'delete the message',
  react: 'react',
  moderator: 'make {user} a moderator',
  member: 'make {user} a member',
  remove: 'remove {user}',
  ban: 'ban {user}',
  unban: 'lift the ban on {user}',
  mute: 'mute {user}',
  unmute: 'lift the mute on {user}',
};

/**
 * A refused request of the features above, in words: a notice in its conversation (edits,
 * reactions, moderation), the members panel's or the directory's error. Typing and read
 * notices go out on their own, so their refusal is said once per conversation, not each time;
 * a throttled typing notice is expected and says nothing, and so is a read of a message stored
 * before messages were indexed (the server cannot read up to it; the next newer one will do).
 */
export function onFeatureRefused(state: ChatState, req: RequestInfo, problem: CodedProblem, at: string): ChatState {
  const words = inWords(problem);
  switch (req.kind) {
    case 'edit':
    case 'delete':
    case 'react':
      return systemLine(state, req.key, `Could not ${ACTION_WORDS[req.kind]}: ${words}`, at, 'error');
    case 'moderate': {
      const action = (ACTION_WORDS[req.action] ?? req.action).replace('{user}', nameOf(state, req.user));
      return systemLine(state, req.key, `Could not ${action}: ${words}`, at, 'error');
    }
    case 'typing':
    case 'read': {
      // A typing notice too soon or not relayed this once is nothing to tell: the next keystroke sends another.
      if (problem.code === 'PARLEY_TYPING_THROTTLED' || problem.code === 'PARLEY_TYPING_UNAVAILABLE' || (req.kind === 'read' && problem.code === 'PARLEY_UNKNOWN_MESSAGE')) return state;
      const prefix = req.kind === 'typing' ? 'Typing notices are off here' : 'Read state is off here';
      return hasLine(state, req.key, prefix) ? state : systemLine(state, req.key, `${prefix}: ${words}`, at, 'error');
    }
    case 'members':
      return update(state, req.key, (c) => ({ ...c, members: { loading: false, list: c.members?.list ?? [], error: words } }));
    case 'directory':
      return { ...state, directory: { ...state.directory, loading: false, error: words } };
    default:
      return state;
  }
}
