import { commandIdFor, ENVELOPE_VERSION, ErrorCodes, type ChatEvent, type Conversation, type NotifierCommand, type NotifierEnvelope } from '@parley/contracts';
import { isPermanent, tracedPort, withSpan, type Logger } from '@parley/service-kit';
import { workerError } from './errors.js';
import {
  loadConnectedState,
  loadDisconnectedState,
  loadFrameState,
  loadHistoryState,
  parseFrozenState,
} from './load-state.js';
import { assumedState, claimedContext, claimState, frameConversation, reliedMembers, reliedVoices } from './frame-claims.js';
import { answerRoomQuery } from './room-queries.js';
import { KnownUsers } from './known-users.js';
import { ListedDirectChats } from './listed-direct-chats.js';
import { OnlineList } from './online-list.js';
import type { EventOutcome, WorkerMetrics } from './metrics.js';
import type { CommandPublisher } from './publisher/command-publisher.js';
import {
  answerHistory,
  decideConnected,
  decideDisconnected,
  decideFrame,
  decideProfile,
  isChangingFrame,
  nothing,
  planHistory,
  toConnection,
  type ChangingFrame,
  type Decision,
  type EventContext,
  type PresenceLimits,
} from './rules/index.js';
import type { ChatStore, OnlineUser } from './store/chat-store.js';
import { UserRateLimit } from './user-rate-limit.js';
import { UserNames } from './user-names.js';

export interface ProcessorDeps {
  store: ChatStore;
  publisher: CommandPublisher;
  config: { readonly hub: string; readonly historyDefaultLimit: number; readonly presence?: PresenceLimits };
  metrics?: WorkerMetrics;
}

/** Defaults of the connection cap and the tombstones' life (config.ts reads MAX_CONNECTIONS_PER_USER). */
export const DEFAULT_PRESENCE_LIMITS: PresenceLimits = Object.freeze({ maxConnectionsPerUser: 32, tombstoneMs: 24 * 3_600_000 });

export interface ProcessResult {
  readonly outcome: EventOutcome;
  /** How many notifier commands this event sent (0 for a replay without notify, a resend, a refusal). */
  readonly commandsSent: number;
}

/** One event of a batch, with its logger and the span its steps run in (its CONSUMER span; none in tests). */
export interface EventItem {
  readonly event: ChatEvent;
  readonly log: Logger;
  readonly inSpan?: <R>(steps: () => Promise<R>) => Promise<R>;
}

/** What became of one event: its result, or the error it failed with (permanent: dead-letter; other: retry). */
export type EventResult = { readonly result: ProcessResult } | { readonly failed: unknown };

/**
 * Processes a batch of one session's events in order. Answers one result per event, up to
 * the first that failed for a reason other than a permanent one: the events after it were
 * not decided (or their decisions are frozen for the redelivery) and go again after it.
 */
export type BatchProcessor = (items: readonly EventItem[]) => Promise<EventResult[]>;

/** Checks what the schema cannot: the hub this worker serves and a usable timestamp. Both failures are for good. */
export function eventContext(event: ChatEvent, hub: string): EventContext {
  const { metadata } = event;
  if (metadata.hub !== hub) {
    throw workerError('hubMismatch', `event for hub "${metadata.hub}" reached the worker of hub "${hub}"`);
  }
  if (Number.isNaN(Date.parse(metadata.receivedAt))) {
    throw workerError('badTimestamp', `receivedAt "${metadata.receivedAt}" is not a date`);
  }
  const { eventId, userId, connectionId, receivedAt } = metadata;
  return { hub, eventId, userId, connectionId, receivedAt: new Date(receivedAt).toISOString() };
}

/** Command ids come from the event id and the position: reprocessing yields the same ids, and the broker drops repeats. */
export function commandEnvelopes(commands: readonly NotifierCommand[], event: ChatEvent): NotifierEnvelope[] {
  const { eventId, traceparent } = event.metadata;
  return commands.map((data, index) => ({
    type: 'notify.command',
    version: ENVELOPE_VERSION,
    data,
    metadata: { commandId: commandIdFor(eventId, index), causationId: eventId, ...(traceparent ? { traceparent } : {}) },
  }));
}

/** Commits that found their assumed or loaded state gone stale before giving up for a retry (a race with another partition). */
const MAX_COMMIT_ATTEMPTS = 3;

/** A decision, and whether its writes are already stored (committed with the claim). */
interface Decided {
  readonly decision: Decision;
  readonly stored: boolean;
  /** A redelivery's: the conversation whose rows were committed with the claim the first time (not written again). */
  readonly committedIn?: { readonly hub: string; readonly conversation: Conversation };
}

/**
 * A batch of one session's events, each in idempotent steps, so a crash anywhere is healed by
 * redelivery: (1) every event's append to the event log is asked for at once, so they leave
 * as one transaction per log partition (store/event-log-writer.ts); (2) one event after the
 * other, decide with the pure rules (on assumed state: no reads on the hot path) and commit
 * the frame's claim with the writes of its conversation in one transaction, then the other
 * writes — nothing is written before its event is in the log; (3) once every event is
 * decided, each event's notifier commands are published at once, so they leave as one bus
 * batch (publisher/servicebus-publisher.ts); (4) the consumer completes the messages. A room
 * message costs one table round trip of its own (the commit) and its share of the append.
 */
export function createBatchProcessor(deps: ProcessorDeps): BatchProcessor {
  const { store, publisher, config, metrics } = deps;
  const knownUsers = new KnownUsers();
  const presenceLimits = config.presence ?? DEFAULT_PRESENCE_LIMITS;
  const rateLimit = new UserRateLimit();
  const onlineList = new OnlineList<OnlineUser>();
  const userNames = new UserNames();
  const directChats = new ListedDirectChats();

  /** The context with the sender's display name, for the events whose frames name them (replays read the table: the cache is live). */
  async function withUserName(event: ChatEvent, ctx: EventContext, tables: ChatStore): Promise<EventContext> {
    if (event.type === 'chat.profile' || (event.type === 'chat.message' && !isChangingFrame(event.data.frame))) return ctx;
    const read = () => tables.userName(ctx.hub, ctx.userId);
    const userName = event.metadata.replayed === true ? await read() : await userNames.nameOf(ctx.hub, ctx.userId, read);
    return userName === undefined ? ctx : { ...ctx, userName };
  }

  /** A live frame past the user's rate (the gateway stamps the rate on each event); takes a token when within. */
  function overRate(event: ChatEvent, ctx: EventContext): boolean {
    const { rateLimit: rate, replayed } = event.metadata;
    if (event.type !== 'chat.message' || replayed === true || !rate) return false;
    return !rateLimit.allow(`${ctx.hub}\n${ctx.userId}`, ctx.eventId, Date.parse(ctx.receivedAt), rate);
  }

  /**
   * A frame over the rate is refused before anything is written, the event log included (a
   * replay or rebuild then never meets it), with an error frame to the sending connection.
   * A resend of a frame already stored (the client lost its ack) is not a new frame: the
   * commit recognises it and delivers nothing twice; refusing it would tell the client a
   * stored frame failed. Undefined: not refused after all.
   */
  async function refusal(event: ChatEvent, ctx: EventContext, tables: ChatStore): Promise<Decision | undefined> {
    if (event.type !== 'chat.message') return undefined;
    const { frame } = event.data;
    if (isChangingFrame(frame) && (await tables.frameClaimed(ctx.hub, frameConversation(frame, ctx.userId), ctx.userId, frame.id))) return undefined;
    const error = { code: ErrorCodes.rateLimited, message: `more than ${event.metadata.rateLimit?.perSecond ?? 0} frames per second` };
    return { writes: [], commands: [toConnection(ctx, { type: 'error', id: event.data.frame.id, error })], rejected: ErrorCodes.rateLimited };
  }

  /** Claims a changing frame with the state it is decided on (frozen for redeliveries) and stores what it decided. */
  async function decideChanging(
    frame: ChangingFrame,
    ctx: EventContext,
    tables: ChatStore,
    logged: Promise<unknown>,
    live: boolean,
  ): Promise<Decided | 'resend'> {
    const nameOf = (hub: string, user: string) => userNames.nameOf(hub, user, () => tables.userName(hub, user));
    const load = () => loadFrameState(tables, frame, ctx, live ? knownUsers : undefined, live ? nameOf : undefined);
    const conversation = frameConversation(frame, ctx.userId);
    let state = assumedState(frame) ?? (await load());
    // Nothing is stored before the event is in the log: every stored row can be rebuilt from it,
    // and an event whose append keeps failing (dead-lettered in the end) leaves no message behind.
    await logged;
    for (let attempt = 1; ; attempt++) {
      const decision = decideFrame(frame, state, ctx);
      const writes = live ? directChats.unwritten(decision.writes) : decision.writes;
      const outcome = await tables.commitFrame({
        hub: ctx.hub,
        conversation,
        user: ctx.userId,
        clientId: frame.id,
        claim: { eventId: ctx.eventId, state: claimState(state, ctx) },
        writes,
        members: reliedMembers(state, ctx.userId),
        voices: reliedVoices(state, ctx.userId),
      });
      if (outcome.kind === 'committed') {
        directChats.written(writes);
        return { decision, stored: true };
      }
      if (outcome.kind === 'held') {
        if (outcome.claim.eventId !== ctx.eventId) return 'resend';
        // A redelivery decides on what the first attempt saw, even if that attempt already changed the rows.
        const frozen = outcome.claim.state === undefined ? undefined : parseFrozenState(outcome.claim.state, frame.type);
        const decision = decideFrame(frame, frozen ?? (await load()), claimedContext(ctx, outcome.claim.state));
        return { decision, stored: false, committedIn: { hub: ctx.hub, conversation } };
      }
      if (attempt >= MAX_COMMIT_ATTEMPTS) throw new Error(`the state of ${frame.type} ${frame.id} kept changing under it; retrying later`);
      state = await load();
    }
  }

  async function decide(event: ChatEvent, ctx: EventContext, notify: boolean, tables: ChatStore, logged: Promise<unknown>): Promise<Decided | 'resend'> {
    switch (event.type) {
      case 'chat.connected':
        return { decision: decideConnected(await loadConnectedState(tables, ctx, onlineList, notify), ctx, presenceLimits), stored: false };
      case 'chat.disconnected':
        return { decision: decideDisconnected(await loadDisconnectedState(tables, ctx), ctx, presenceLimits), stored: false };
      case 'chat.profile':
        if (event.metadata.replayed !== true) userNames.remember(ctx.hub, ctx.userId, event.data.name);
        return { decision: decideProfile(event.data.name, await tables.profileOf(ctx.hub, ctx.userId), ctx), stored: false };
      case 'chat.message': {
        const { frame } = event.data;
        if (isChangingFrame(frame)) {
          return decideChanging(frame, ctx, tables, logged, event.metadata.replayed !== true);
        }
        // The gateway relays typing itself and never queues it; one queued by an older gateway is dropped.
        if (frame.type === 'typing') return { decision: nothing, stored: true };
        if (frame.type === 'members' || frame.type === 'directory') {
          // Read-only, like history: nothing to do when nobody will hear the answer.
          return { decision: notify ? await answerRoomQuery(frame, ctx, tables) : nothing, stored: true };
        }
        // history only reads: nothing to do when nobody will hear the answer.
        if (!notify) return { decision: nothing, stored: true };
        const plan = planHistory(frame, await loadHistoryState(tables, frame, ctx), ctx, config.historyDefaultLimit);
        if (!plan.ok) return { decision: plan.decision, stored: true };
        return { decision: answerHistory(frame, plan.query, await tables.readHistory(ctx.hub, plan.query), ctx), stored: true };
      }
    }
  }

  /** The steps of one event that run before its turn: checks, and its append asked for. */
  function begin(item: EventItem): Begun {
    const { event } = item;
    const ctx = eventContext(event, config.hub);
    const label = event.type === 'chat.message' ? `message.${event.data.frame.type}` : event.type;
    const notify = event.metadata.replayed !== true || event.metadata.notify === true;
    const counted = metrics && store.forEvent ? store.forEvent((table, operation, share) => metrics.tableRequest(label, table, operation, share)) : store;
    // The steps of a trace (no-op while tracing is off); the rule's reads are the Tables SDK's own spans.
    const tables = tracedPort(counted, { appendEvent: 'event-log append', commitFrame: 'projections commit', apply: 'projections apply' });
    const limited = overRate(event, ctx);
    const logged = limited || isTyping(event) ? undefined : tables.appendEvent(event, new Date(ctx.receivedAt));
    // Awaited in the event's turn; a batch stopped before that turn must not leave it unhandled.
    logged?.catch(() => undefined);
    return { item, ctx, label, notify, tables, logged, limited };
  }

  /** The event's turn: decide and store. Returns the commands to publish once the batch is decided. */
  async function decideAndStore(begun: Begun): Promise<Stored> {
    const { item, ctx, notify, tables } = begun;
    const { event, log } = item;
    let { logged } = begun;
    if (begun.limited) {
      const refused = await refusal(event, ctx, tables);
      if (refused) {
        log.info({ code: refused.rejected }, "frame refused: over the user's rate");
        return { outcome: 'rejected', commands: refused.commands };
      }
      if (!isTyping(event)) logged = tables.appendEvent(event, new Date(ctx.receivedAt));
    }
    const named = await withUserName(event, ctx, tables);
    const decided = await withSpan('rule', () => decide(event, named, notify, tables, logged ?? Promise.resolve()));
    const appended = await logged;
    if (decided === 'resend') {
      log.info({ clientId: event.type === 'chat.message' ? event.data.frame.id : undefined }, 'resent frame; the first event delivers it');
      return { outcome: 'resend', commands: [] };
    }
    const { decision } = decided;
    if (!decided.stored) await tables.apply(decision.writes, decided.committedIn);
    const commands = notify ? decision.commands : [];
    const outcome: EventOutcome = decision.rejected ? 'rejected' : notify ? 'applied' : 'replayed';
    if (decision.rejected) log.info({ code: decision.rejected }, 'frame refused by a chat rule');
    log.debug({ type: begun.label, appended, writes: decision.writes.length, commands: commands.length, outcome }, 'event processed');
    return { outcome, commands };
  }

  return async function processBatch(items) {
    const results: Array<EventResult | undefined> = new Array<EventResult | undefined>(items.length);
    let stopped = false;
    let previousDecided: Promise<void> = Promise.resolve();
    let openPublishing!: () => void;
    const publishing = new Promise<void>((resolve) => (openPublishing = resolve));
    const runs = items.map((item, index) => {
      const myTurn = previousDecided;
      let decided!: () => void;
      previousDecided = new Promise<void>((resolve) => (decided = resolve));
      const steps = async () => {
        try {
          // Started for every event in the same turn: the appends leave together.
          const begun = begin(item);
          await myTurn;
          if (stopped) return;
          const stored = await decideAndStore(begun);
          decided();
          await publishing;
          if (stored.commands.length > 0) await publisher.publish(commandEnvelopes(stored.commands, item.event));
          metrics?.event(begun.label, stored.outcome);
          metrics?.commandsSent(stored.commands.length);
          results[index] = { result: { outcome: stored.outcome, commandsSent: stored.commands.length } };
        } catch (error) {
          // A permanent failure is this event's alone; any other stops the events after it.
          if (!isPermanent(error)) stopped = true;
          results[index] = { failed: error };
        } finally {
          // The next event's turn comes once this one's has (a failure before its turn waits for it too).
          void myTurn.then(decided);
        }
      };
      return item.inSpan ? item.inSpan(steps) : steps();
    });
    await previousDecided;
    openPublishing();
    await Promise.all(runs);
    const firstRetry = results.findIndex((result) => result === undefined || ('failed' in result && !isPermanent(result.failed)));
    return (firstRetry === -1 ? results : results.slice(0, results[firstRetry] === undefined ? firstRetry : firstRetry + 1)) as EventResult[];
  };
}

interface Begun {
  readonly item: EventItem;
  readonly ctx: EventContext;
  readonly label: string;
  readonly notify: boolean;
  readonly tables: ChatStore;
  /** Undefined for a typing frame (never logged) and for a frame over the rate (logged only if not refused after all). */
  readonly logged: Promise<unknown> | undefined;
  readonly limited: boolean;
}

interface Stored {
  readonly outcome: EventOutcome;
  readonly commands: readonly NotifierCommand[];
}

/** A typing frame is never kept (docs/chat-protocol.md § Typing): no event-log append, no claim, no table write. */
function isTyping(event: ChatEvent): boolean {
  return event.type === 'chat.message' && event.data.frame.type === 'typing';
}
