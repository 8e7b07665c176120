import type { TableClient } from '@azure/data-tables';
import { ErrorCodes, presenceKeys, roomGroup, roomMemberKeys, Tables, type CodedError, type NotifierCommand, type TypingFrame, type TypingNoticeFrame } from '@parley/contracts';
import { HeldAnswers, openTableClient } from '@parley/service-kit';
import { serviceRest, type RestTransport, type ToRestRequest } from '@parley/websocket-rest';
import type { GatewayConfig } from '../config.js';

export interface TypingRelayOptions {
  readonly hub: string;
  /** The projection tables it reads: room member rows (`messages`) and presence rows (`presence`). */
  readonly tables: { readonly messages: TableClient; readonly presence: TableClient };
  /** One REST call to the WebSocket service; never retried here (a late typing notice is worthless). */
  readonly rest: { readonly transport: RestTransport; readonly toRequest: ToRestRequest };
  /** Gives up on the REST call after this long. */
  readonly timeoutMs: number;
  /** How long a membership answer is used without reading it again. */
  readonly membershipHoldMs?: number;
  /** How long a user's presence row (known, display name) is used without reading it again. */
  readonly presenceHoldMs?: number;
  /** Entries each cache keeps before the stale ones are swept. */
  readonly capacity?: number;
  readonly now?: () => number;
}

/** What a typing frame came to: relayed, or refused with a code the client gets in its ack. */
export type TypingOutcome = { readonly relayed: true } | { readonly relayed: false; readonly error: CodedError };

interface Presence {
  readonly known: boolean;
  readonly name: string | undefined;
}

/**
 * Typing, straight from the gateway to the WebSocket service: no bus, no worker, no notifier,
 * no write (docs/chat-protocol.md § Typing). A typing notice is worth something for a few
 * seconds and is never stored, so it needs none of the ordering, claims or redelivery a stored
 * frame pays for. What the rule needs is read from the shared tables, never from this process's
 * memory of other events: the sender's member row for a room, the receiver's presence row for a
 * direct chat, the sender's presence row for their display name; each answer is held for a few
 * seconds (any copy of the gateway may answer the next frame and reads the same rows).
 *
 * Held answers are at most `membershipHoldMs` old: a user who left or was removed from a room
 * within that time may still be shown as typing there for that long.
 */
export class TypingRelay {
  private readonly members: HeldAnswers<boolean>;
  private readonly presence: HeldAnswers<Presence>;

  constructor(private readonly options: TypingRelayOptions) {
    const now = options.now ?? Date.now;
    const capacity = options.capacity ?? 50_000;
    this.members = new HeldAnswers(options.membershipHoldMs ?? 5_000, capacity, now);
    this.presence = new HeldAnswers(options.presenceHoldMs ?? 60_000, capacity, now);
  }

  async relay(userId: string, frame: TypingFrame): Promise<TypingOutcome> {
    const { hub } = this.options;
    const notice: TypingNoticeFrame = { type: 'typing', user: userId };
    let command: NotifierCommand;
    if (frame.room !== undefined) {
      if (!(await this.isMember(frame.room, userId))) return refused(ErrorCodes.notMember, `${userId} is not a member of ${frame.room}`);
      notice.room = frame.room;
      command = { action: 'sendToGroup', hub, group: roomGroup(frame.room), frame: notice };
    } else {
      const to = frame.to ?? '';
      if (to === userId) return refused(ErrorCodes.selfMessage, 'a typing notice goes to someone else');
      if (!(await this.presenceOf(to)).known) return refused(ErrorCodes.unknownUser, `no user ${to}`);
      notice.to = to;
      command = { action: 'sendToUser', hub, userId: to, frame: notice };
    }
    const name = (await this.presenceOf(userId)).name;
    if (name !== undefined) notice.name = name;
    const attempt = await this.options.rest.transport.attempt(this.options.rest.toRequest(command), this.options.timeoutMs);
    if (attempt.kind === 'answer' && attempt.status >= 200 && attempt.status < 300) return { relayed: true };
    const why = attempt.kind === 'answer' ? `answered ${attempt.status}` : `${attempt.cause}: ${attempt.error.message}`;
    return refused(ErrorCodes.typingUnavailable, `the WebSocket service ${why}; the notice was not shown`);
  }

  /** The pool of REST connections. */
  close(): Promise<void> {
    return this.options.rest.transport.close();
  }

  private async isMember(room: string, user: string): Promise<boolean> {
    const key = `${room}\n${user}`;
    const held = this.members.get(key);
    if (held !== undefined) return held;
    const keys = roomMemberKeys(this.options.hub, room, user);
    const member = (await readRow(this.options.tables.messages, keys.partitionKey, keys.rowKey, ['RowKey'])) !== undefined;
    this.members.set(key, member);
    return member;
  }

  /** Known users stay known for the hold; an unknown one is read again next time (typing is throttled). */
  private async presenceOf(user: string): Promise<Presence> {
    const held = this.presence.get(user);
    if (held !== undefined) return held;
    const keys = presenceKeys(this.options.hub, user);
    const row = await readRow(this.options.tables.presence, keys.partitionKey, keys.rowKey, ['name', 'lastSeen']);
    // A row holding only a display name (signed in, never connected) is not a known user.
    const presence: Presence = { known: row?.lastSeen !== undefined, name: typeof row?.name === 'string' ? row.name : undefined };
    if (presence.known) this.presence.set(user, presence);
    return presence;
  }
}

const refused = (code: CodedError['code'], message: string): TypingOutcome => ({ relayed: false, error: { code, message } });

/** One point read; undefined when the row (or the table) is not there. Other failures throw. */
async function readRow(table: TableClient, partitionKey: string, rowKey: string, select: string[]): Promise<Record<string, unknown> | undefined> {
  try {
    return await table.getEntity<Record<string, unknown>>(partitionKey, rowKey, { queryOptions: { select } });
  } catch (error) {
    if ((error as { statusCode?: unknown }).statusCode === 404) return undefined;
    throw error;
  }
}

/** The relay of a gateway's configuration: its own clients of the two tables and its own REST pool. */
export function openTypingRelay(config: GatewayConfig): TypingRelay {
  const tableOptions = { retryOptions: { maxRetries: 1, retryDelayInMs: 100, maxRetryDelayInMs: 500 } };
  return new TypingRelay({
    hub: config.hub,
    tables: { messages: openTableClient(config.tables, Tables.messages, tableOptions), presence: openTableClient(config.tables, Tables.presence, tableOptions) },
    // A few keep-alive connections: typing is at most one call per connection and conversation every 2 s.
    rest: serviceRest(config.service, { connections: 8, connectTimeoutMs: config.typingRelayTimeoutMs }),
    timeoutMs: config.typingRelayTimeoutMs,
  });
}
