import { commandIdFor, ENVELOPE_VERSION, ErrorCodes, type ChatEvent, type NotifierCommand, type NotifierEnvelope } from '@parley/contracts';
import { tracedPort, withSpan, type Logger } from '@parley/service-kit';
import { workerError } from './errors.js';
import {
  loadConnectedState,
  loadDisconnectedState,
  loadFrameState,
  loadHistoryState,
  parseFrozenState,
} from './load-state.js';
import { assumedState, frameConversation, reliedMembers } from './frame-claims.js';
import { KnownUsers } from './known-users.js';
import { OnlineList } from './online-list.js';
import type { EventOutcome, WorkerMetrics } from './metrics.js';
import type { CommandPublisher } from './publisher/command-publisher.js';
import {
  answerHistory,
  decideConnected,
  decideDisconnected,
  decideFrame,
  isChangingFrame,
  nothing,
  planHistory,
  toConnection,
  type ChangingFrame,
  type Decision,
  type EventContext,
  type PresenceLimits,
} from './rules/index.js';
import type { ChatStore } from './store/chat-store.js';
import { UserRateLimit } from './user-rate-limit.js';

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

export type EventProcessor = (event: ChatEvent, log: Logger) => Promise<ProcessResult>;

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
}

/**
 * One chat event, in idempotent steps, so a crash anywhere is healed by
 * redelivery: (1) append to the event log, overlapping with the reads the rule
 * needs (none on the hot path: the state is assumed and checked by the
 * commit), (2) decide with the pure rules and commit the frame's claim with
 * the writes of its conversation in one transaction, (3) the other writes,
 * (4) the notifier commands as one batch, (5) the consumer completes the
 * message. A room message costs two table round trips: the append and the commit.
 */
export function createEventProcessor(deps: ProcessorDeps): EventProcessor {
  const { store, publisher, config, metrics } = deps;
  const knownUsers = new KnownUsers();
  const presenceLimits = config.presence ?? DEFAULT_PRESENCE_LIMITS;
  const rateLimit = new UserRateLimit();
  const onlineList = new OnlineList();

  /**
   * A live frame past the user's rate: refused before anything is written, the event log included
   * (a replay or rebuild then never meets it), with an error frame to the sending connection.
   */
  async function overRate(event: ChatEvent, ctx: EventContext, tables: ChatStore): Promise<Decision | undefined> {
    const { rateLimit: rate, replayed } = event.metadata;
    if (event.type !== 'chat.message' || replayed === true || !rate) return undefined;
    if (rateLimit.allow(`${ctx.hub}\n${ctx.userId}`, ctx.eventId, Date.parse(ctx.receivedAt), rate)) return undefined;
    // A resend of a frame already stored (the client lost its ack) is not a new frame: the commit
    // recognises it and delivers nothing twice; refusing it would tell the client a stored frame failed.
    const { frame } = event.data;
    if (isChangingFrame(frame) && (await tables.frameClaimed(ctx.hub, frameConversation(frame, ctx.userId), ctx.userId, frame.id))) return undefined;
    const error = { code: ErrorCodes.rateLimited, message: `more than ${rate.perSecond} frames per second` };
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
    const load = () => loadFrameState(tables, frame, ctx, live ? knownUsers : undefined);
    const conversation = frameConversation(frame, ctx.userId);
    let state = assumedState(frame) ?? (await load());
    // Nothing is stored before the event is in the log: every stored row can be rebuilt from it,
    // and an event whose append keeps failing (dead-lettered in the end) leaves no message behind.
    await logged;
    for (let attempt = 1; ; attempt++) {
      const decision = decideFrame(frame, state, ctx);
      const outcome = await tables.commitFrame({
        hub: ctx.hub,
        conversation,
        user: ctx.userId,
        clientId: frame.id,
        claim: { eventId: ctx.eventId, state: JSON.stringify(state) },
        writes: decision.writes,
        members: reliedMembers(state, ctx.userId),
      });
      if (outcome.kind === 'committed') return { decision, stored: true };
      if (outcome.kind === 'held') {
        if (outcome.claim.eventId !== ctx.eventId) return 'resend';
        // A redelivery decides on what the first attempt saw, even if that attempt already changed the rows.
        const frozen = outcome.claim.state === undefined ? undefined : parseFrozenState(outcome.claim.state, frame.type);
        return { decision: decideFrame(frame, frozen ?? (await load()), ctx), stored: false };
      }
      if (attempt >= MAX_COMMIT_ATTEMPTS) throw new Error(`the state of ${frame.type} ${frame.id} kept changing under it; retrying later`);
      state = await load();
    }
  }

  async function decide(event: ChatEvent, ctx: EventContext, notify: boolean, tables: ChatStore, logged: Promise<unknown>): Promise<Decided | 'resend'> {
    switch (event.type) {
      case 'chat.connected':
        return { decision: decideConnected(await loadConnectedState(tables, ctx, onlineList), ctx, presenceLimits), stored: false };
      case 'chat.disconnected':
        return { decision: decideDisconnected(await loadDisconnectedState(tables, ctx), ctx, presenceLimits), stored: false };
      case 'chat.message': {
        const { frame } = event.data;
        if (isChangingFrame(frame)) return decideChanging(frame, ctx, tables, logged, event.metadata.replayed !== true);
        // history only reads: nothing to do when nobody will hear the answer.
        if (!notify) return { decision: nothing, stored: true };
        const plan = planHistory(frame, await loadHistoryState(tables, frame, ctx), ctx, config.historyDefaultLimit);
        if (!plan.ok) return { decision: plan.decision, stored: true };
        return { decision: answerHistory(frame, plan.query, await tables.readHistory(ctx.hub, plan.query), ctx), stored: true };
      }
    }
  }

  return async function processEvent(event, log) {
    const ctx = eventContext(event, config.hub);
    const label = event.type === 'chat.message' ? `message.${event.data.frame.type}` : event.type;
    const notify = event.metadata.replayed !== true || event.metadata.notify === true;
    const counted = metrics && store.forEvent ? store.forEvent((table, operation) => metrics.tableRequest(label, table, operation)) : store;
    // The steps of a trace (no-op while tracing is off); the rule's reads are the Tables SDK's own spans.
    const tables = tracedPort(counted, { appendEvent: 'event-log append', commitFrame: 'projections commit', apply: 'projections apply' });

    const refused = await overRate(event, ctx, tables);
    if (refused) {
      await publisher.publish(commandEnvelopes(refused.commands, event));
      metrics?.busSend();
      metrics?.event(label, 'rejected');
      metrics?.commandsSent(refused.commands.length);
      log.info({ code: refused.rejected }, 'frame refused: over the user\'s rate');
      return { outcome: 'rejected', commandsSent: refused.commands.length };
    }

    // The log write overlaps the rule's reads; writes wait for it. Both are idempotent.
    const logged = tables.appendEvent(event, new Date(ctx.receivedAt));
    const [appended, decided] = await Promise.all([logged, withSpan('rule', () => decide(event, ctx, notify, tables, logged))]);
    if (decided === 'resend') {
      log.info({ clientId: event.type === 'chat.message' ? event.data.frame.id : undefined }, 'resent frame; the first event delivers it');
      metrics?.event(label, 'resend');
      return { outcome: 'resend', commandsSent: 0 };
    }
    const { decision } = decided;
    if (!decided.stored) await tables.apply(decision.writes);
    const commands = notify ? decision.commands : [];
    if (commands.length > 0) {
      await publisher.publish(commandEnvelopes(commands, event));
      metrics?.busSend();
    }

    const outcome: EventOutcome = decision.rejected ? 'rejected' : notify ? 'applied' : 'replayed';
    metrics?.event(label, outcome);
    metrics?.commandsSent(commands.length);
    if (decision.rejected) log.info({ code: decision.rejected }, 'frame refused by a chat rule');
    log.debug({ type: label, appended, writes: decision.writes.length, commands: commands.length, outcome }, 'event processed');
    return { outcome, commandsSent: commands.length };
  };
}
