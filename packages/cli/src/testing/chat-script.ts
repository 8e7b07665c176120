import type { ChatEvent, ClientFrame } from '@parley/contracts';
import { eventFactory } from './events.js';

/**
 * A scripted chat session as the gateway would have stamped it: users connect,
 * join and leave rooms, invite each other, talk in the lobby, rooms and direct
 * messages, resend frames, ask for history, reconnect and disconnect. Seeded,
 * so every run is the same; rejected frames (not a member, unknown user, a
 * non-member's join, invite or history of a private room, a private join of a
 * public room) are part of the script too. Each connect is preceded by the
 * `chat.profile` of its sign-in, with a display name that changes each time. Joins of the private rooms always
 * ask for a private room: the first creates it, later ones are members'
 * re-joins or refusals.
 */
export function chatScript(options: { users: number; minEvents: number; start: Date; stepMs: number; seed?: number }): ChatEvent[] {
  const make = eventFactory();
  const random = mulberry32(options.seed ?? 42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const privateRooms = new Set(['secret', 'board of #odd/names?']);
  const rooms = ['dev', 'ops', 'random', 'design', 'a room/with #odd? chars', ...privateRooms];
  const users = Array.from({ length: options.users }, (_, i) => `user${String(i).padStart(2, '0')}`);
  const connection = new Map<string, string>();
  const counters = new Map<string, number>();
  const lastFrame = new Map<string, ClientFrame>();
  const events: ChatEvent[] = [];
  let clock = options.start.getTime();

  const emit = (kind: 'connected' | 'message' | 'disconnected', user: string, frame?: ClientFrame) => {
    clock += options.stepMs;
    const connectionId = connection.get(user)!;
    events.push(make({ kind, connectionId, userId: user, at: new Date(clock), ...(frame ? { frame } : {}) }));
  };
  // Every sign-in (negotiate) publishes the user's display name; it changes with each, so messages carry several.
  const signIn = (user: string, n: number) => {
    clock += options.stepMs;
    events.push(make({ kind: 'profile', connectionId: '', userId: user, at: new Date(clock), name: `Ünïcode ${user} #${n}` }));
  };
  const connect = (user: string) => {
    const n = (counters.get(`${user}#conn`) ?? 0) + 1;
    counters.set(`${user}#conn`, n);
    connection.set(user, `conn-${user}-${n}`);
    signIn(user, n);
    emit('connected', user);
  };
  const frameId = (user: string) => {
    const n = (counters.get(user) ?? 0) + 1;
    counters.set(user, n);
    return `c${n}`;
  };
  const send = (user: string, frame: ClientFrame) => {
    lastFrame.set(user, frame);
    emit('message', user, frame);
  };

  for (const user of users) connect(user);
  while (events.length < options.minEvents) {
    const user = pick(users);
    const roll = random();
    if (roll < 0.25) send(user, { type: 'send', id: frameId(user), text: `lobby ${events.length}` });
    else if (roll < 0.45) send(user, { type: 'send', id: frameId(user), room: pick(rooms), text: `room ${events.length}` });
    else if (roll < 0.58) send(user, { type: 'send', id: frameId(user), to: pick([...users, 'nobody']), text: `dm ${events.length}` });
    else if (roll < 0.7) {
      const room = pick(rooms);
      // Now and then a private join of a public room, which is refused.
      const asPrivate = privateRooms.has(room) || random() < 0.1;
      send(user, { type: 'join', id: frameId(user), room, ...(asPrivate ? { private: true } : {}) });
    }
    else if (roll < 0.76) send(user, { type: 'leave', id: frameId(user), room: pick(rooms) });
    else if (roll < 0.84) send(user, { type: 'invite', id: frameId(user), room: pick(rooms), user: pick([...users, 'nobody']) });
    else if (roll < 0.88) send(user, { type: 'history', id: frameId(user), room: pick(rooms), limit: 10 });
    else if (roll < 0.93 && lastFrame.has(user)) emit('message', user, lastFrame.get(user)); // a resend after a reconnect: same client id
    else {
      emit('disconnected', user);
      connect(user);
    }
  }
  // Every user still online leaves a little later, except a few who stay connected.
  for (const user of users.slice(0, Math.floor(users.length / 2))) emit('disconnected', user);
  return events;
}

/** A small seeded PRNG: the script must be the same on every machine. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
