import { commandIdFor, ENVELOPE_VERSION, type ChatEvent, type NotifierCommand, type NotifierEnvelope } from '@parley/contracts';
import { PermanentError, type Logger } from '@parley/service-kit';
import { WorkerErrorCodes } from './errors.js';
import {
  loadConnectedState,
  loadDisconnectedState,
  loadFrameState,
  loadHistoryState,
  parseFrozenState,
} from './load-state.js';
import type { EventOutcome, WorkerMetrics } from './metrics.js';
import type { CommandPublisher } from './publisher/command-publisher.js';
import {
  answerHistory,
  decideConnected,
  decideDisconnected,
  decideFrame,
  isChangingFrame,
  planHistory,
  type ChangingFrame,
  type Decision,
  type EventContext,
  type FrameState,
} from './rules/index.js';
import type { ChatStore } from './store/chat-store.js';

export interface ProcessorDeps {
  store: ChatStore;
  publisher: CommandPublisher;
  config: { readonly hub: string; readonly historyDefaultLimit: number };
  metrics?: WorkerMetrics;
}

export interface ProcessResult {
  readonly outcome: EventOutcome;
  readonly commands: number;
}

export type EventProcessor = (event: ChatEvent, log: Logger) => Promise<ProcessResult>;

/** Checks what the schema cannot: the hub this worker serves and a usable timestamp. Both failures are for good. */
export function eventContext(event: ChatEvent, hub: string): EventContext {
  const { metadata } = event;
  if (metadata.hub !== hub) {
    throw new PermanentError(WorkerErrorCodes.hubMismatch, `event for hub "${metadata.hub}" reached the worker of hub "${hub}"`);
  }
  if (Number.isNaN(Date.parse(metadata.receivedAt))) {
    throw new PermanentError(WorkerErrorCodes.badTimestamp, `receivedAt "${metadata.receivedAt}" is not a date`);
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

/**
 * One chat event, in five idempotent steps, so a crash anywhere is healed by
 * redelivery: (1) append to the event log, (2) load state and decide with the
 * pure rules (overlapping with 1), (3) apply the projection writes, (4) send
 * the notifier commands as one batch, (5) the consumer completes the message.
 */
export function createEventProcessor(deps: ProcessorDeps): EventProcessor {
  const { store, publisher, config, metrics } = deps;

  /** The state a changing frame is decided on, frozen in its dedup claim; 'resend' if another event holds the claim. */
  async function claimedState(frame: ChangingFrame, ctx: EventContext): Promise<FrameState | 'resend'> {
    const fresh = await loadFrameState(store, frame, ctx);
    const held = await store.claimFrame(ctx.hub, ctx.userId, frame.id, { eventId: ctx.eventId, state: JSON.stringify(fresh) });
    if (held.eventId !== ctx.eventId) return 'resend';
    // A redelivery decides on what the first attempt saw, even if that attempt already changed the rows.
    return (held.state === undefined ? undefined : parseFrozenState(held.state, frame.type)) ?? fresh;
  }

  async function decide(event: ChatEvent, ctx: EventContext, notify: boolean): Promise<Decision | 'resend'> {
    switch (event.type) {
      case 'chat.connected':
        return decideConnected(await loadConnectedState(store, ctx), ctx);
      case 'chat.disconnected':
        return decideDisconnected(await loadDisconnectedState(store, ctx), ctx);
      case 'chat.message': {
        const { frame } = event.data;
        if (isChangingFrame(frame)) {
          const state = await claimedState(frame, ctx);
          return state === 'resend' ? state : decideFrame(frame, state, ctx);
        }
        // history only reads: nothing to do when nobody will hear the answer.
        if (!notify) return { writes: [], commands: [] };
        const plan = planHistory(frame, await loadHistoryState(store, frame, ctx), ctx, config.historyDefaultLimit);
        if (!plan.ok) return plan.decision;
        return answerHistory(frame, plan.query, await store.readHistory(ctx.hub, plan.query), ctx);
      }
    }
  }

  return async function processEvent(event, log) {
    const ctx = eventContext(event, config.hub);
    const label = event.type === 'chat.message' ? `message.${event.data.frame.type}` : event.type;
    const notify = event.metadata.replayed !== true || event.metadata.notify === true;

    // The log write and the rule's reads/claim are independent, so they overlap; both are idempotent.
    const [appended, decision] = await Promise.all([store.appendEvent(event, new Date(ctx.receivedAt)), decide(event, ctx, notify)]);
    if (decision === 'resend') {
      log.info({ clientId: event.type === 'chat.message' ? event.data.frame.id : undefined }, 'resent frame; the first event delivers it');
      metrics?.event(label, 'resend');
      return { outcome: 'resend', commands: 0 };
    }
    await store.apply(decision.writes);
    const commands = notify ? decision.commands : [];
    await publisher.publish(commandEnvelopes(commands, event));

    const outcome: EventOutcome = decision.rejected ? 'rejected' : notify ? 'applied' : 'replayed';
    metrics?.event(label, outcome);
    metrics?.commands(commands.length);
    if (decision.rejected) log.info({ code: decision.rejected }, 'frame refused by a chat rule');
    log.debug({ type: label, appended, writes: decision.writes.length, commands: commands.length, outcome }, 'event processed');
    return { outcome, commands: commands.length };
  };
}
