import { Limits, type ChatEvent, type TypingFrame } from '@parley/contracts';
import type { KnownUsers } from './known-users.js';
import { decideTyping, type Decision, type EventContext, type TypingState } from './rules/index.js';
import type { ChatStore } from './store/chat-store.js';
import { sweep, TypingIntervals } from './typing-intervals.js';

/** A typing frame is relayed, never kept: no event-log append, no claim, no table write. */
export function isEphemeral(event: ChatEvent): boolean {
  return event.type === 'chat.message' && event.data.frame.type === 'typing';
}

export interface TypingRelayOptions {
  readonly knownUsers: KnownUsers;
  /** How long a membership answer is used without reading it again. */
  readonly membershipHoldMs?: number;
  readonly intervalMs?: number;
  /** Entries kept by each of the two maps before the stale ones are swept. */
  readonly capacity?: number;
  readonly now?: () => number;
}

/**
 * The worker's side of typing: membership from a short-lived cache (one point read on a miss;
 * typing costs no table round trip while a member keeps typing), the per-user throttle across
 * gateways and connections, then the pure rule. chat-events sessions are keyed by the user, so
 * one worker sees all of a user's typing frames, in order: its memory is the whole throttle.
 *
 * Held answers are at most `membershipHoldMs` old: a user who left (or was removed) within that
 * time may still be relayed as typing to the room for that long; the user's own leave and join
 * (handled here, in the user's session) forget the answer at once.
 */
export class TypingRelay {
  private readonly members = new Map<string, { readonly member: boolean; readonly until: number }>();
  private readonly intervals: TypingIntervals;
  private readonly holdMs: number;
  private readonly capacity: number;
  private readonly now: () => number;

  constructor(private readonly options: TypingRelayOptions) {
    this.holdMs = options.membershipHoldMs ?? 5_000;
    this.intervals = new TypingIntervals(options.intervalMs ?? Limits.typingIntervalMs, options.capacity);
    this.capacity = options.capacity ?? 50_000;
    this.now = options.now ?? Date.now;
  }

  async decide(frame: TypingFrame, ctx: EventContext, store: ChatStore): Promise<Decision> {
    const conversation = frame.room !== undefined ? `room\n${frame.room}` : `to\n${frame.to ?? ''}`;
    const throttled = !this.intervals.take(`${ctx.hub}\n${ctx.userId}\n${conversation}`, ctx.eventId, Date.parse(ctx.receivedAt));
    if (frame.room !== undefined) {
      return decideTyping(frame, { kind: 'room', member: await this.isMember(store, ctx.hub, frame.room, ctx.userId), throttled }, ctx);
    }
    const to = frame.to ?? '';
    const recipientKnown = to !== ctx.userId && (await this.isKnown(store, ctx.hub, to));
    const state: TypingState = { kind: 'direct', recipientKnown, throttled };
    return decideTyping(frame, state, ctx);
  }

  /** The user joined or left the room (or was invited): their next typing frame reads membership again. */
  forget(hub: string, room: string, user: string): void {
    this.members.delete(memberKey(hub, room, user));
  }

  private async isMember(store: ChatStore, hub: string, room: string, user: string): Promise<boolean> {
    const key = memberKey(hub, room, user);
    const held = this.members.get(key);
    const now = this.now();
    if (held !== undefined && held.until > now) return held.member;
    const member = await store.isMember(hub, room, user);
    if (this.members.size >= this.capacity) sweep(this.members, (entry) => entry.until <= now, this.capacity);
    this.members.set(key, { member, until: now + this.holdMs });
    return member;
  }

  /** Known users stay known (the worker's KnownUsers); an unknown one is read each time, throttled like any typing. */
  private async isKnown(store: ChatStore, hub: string, user: string): Promise<boolean> {
    if (this.options.knownUsers.has(hub, user)) return true;
    const known = await store.isKnownUser(hub, user);
    if (known) this.options.knownUsers.add(hub, user);
    return known;
  }
}

const memberKey = (hub: string, room: string, user: string) => `${hub}\n${room}\n${user}`;
