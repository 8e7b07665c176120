import type { ServiceBusClient, ServiceBusReceivedMessage, ServiceBusSessionReceiver } from '@azure/service-bus';
import type { Registry } from 'prom-client';
import type { Result } from '@parley/contracts';
import { AcceptorPool } from './acceptor-pool.js';
import { consumerMetrics } from './consumer-metrics.js';
import { ConsumerState } from './consumer-state.js';
import { watchDeadLetterDepth } from './dead-letter-depth.js';
import type { Logger } from './logger.js';
import { oneAtATime, settleBatch, type BatchHandler, type MessageContext } from './message-settlement.js';
import { runAcceptor } from './session-acceptor.js';
import { holdSession } from './session-loop.js';

export type { BatchHandler, BatchItem, ItemOutcome, MessageContext } from './message-settlement.js';

export type BusEntity = { queue: string } | { topic: string; subscription: string };

export interface SessionConsumerOptions<T> {
  client: ServiceBusClient;
  entity: BusEntity;
  /** How many partition sessions this instance holds at once; each is handled in order. */
  maxConcurrentSessions: number;
  /** Give a session back after this long without messages, so other sessions get a turn. */
  sessionIdleMs?: number;
  /** Give a busy session back after this long, so instances added by the autoscaler get partitions. */
  maxSessionHoldMs?: number;
  /** Validate the body; a failure dead-letters at once with the error's code as reason. */
  parse: (body: unknown) => Result<T>;
  /**
   * What handles the messages: `handleBatch` gets what a held session has in hand as one
   * batch, in order, with an outcome per message (message-settlement.ts); `handle` takes
   * them one at a time.
   */
  handler: { handle: (value: T, context: MessageContext) => Promise<void> } | { handleBatch: BatchHandler<T> };
  /** The most messages in one batch, and the credit of each session's link. */
  maxBatchSize?: number;
  logger: Logger;
  registry?: Registry;
  /** Delay before abandoning after a transient failure, by delivery count. */
  retryDelayMs?: (deliveryCount: number) => number;
  /** Session accepts waiting at the broker: `min` while idle, up to `max` while accepts find sessions (AcceptorPool). */
  acceptors?: { min: number; max: number };
}

export interface SessionConsumer {
  stop(): Promise<void>;
  heldSessions(): string[];
  /** Readiness: true while no slot has hit a broker error since its last success (and not stopped on a fatal one). */
  healthy(): boolean;
  /**
   * Liveness: false once a fatal broker error (wrong key, missing or disabled entity) stopped
   * the consumer. Nothing in the process can recover from that; /healthz fails and the pod restarts.
   */
  alive(): boolean;
}

/** A batch of 32 room messages is well under one table transaction's 100 operations. */
const DEFAULT_MAX_BATCH_SIZE = 32;
const defaultRetryDelay = (deliveryCount: number) => Math.min(100 * 2 ** deliveryCount, 5_000);
/** An entity as spans and metrics name it: the queue, or topic/subscription. */
export const entityName = (entity: BusEntity) => ('queue' in entity ? entity.queue : `${entity.topic}/${entity.subscription}`);

/**
 * The one consumer template (docs/style.md §8) over partition sessions: explicit
 * concurrency (one slot per held session, at most maxConcurrentSessions; sessions are
 * accepted by a few acceptors that scale with the backlog), in-order handling within a
 * session, dead-letter at once for invalid messages and permanent errors,
 * abandon-and-retry for transient ones (the broker dead-letters past the max
 * delivery count), and a stop that lets in-flight work finish.
 *
 * The parts, each readable on its own:
 * - session-acceptor.ts: an acceptor waits at the broker for a session and hands it over;
 *   acceptor-pool.ts decides how many acceptors run;
 * - session-loop.ts: a held session, batch after batch, until quiet or held long enough;
 *   session-inbox.ts: the link's arrivals, in order, with their credit;
 * - message-settlement.ts: one batch handled, each message completed, dead-lettered or abandoned;
 * - consumer-state.ts: what they share (stopping, held sessions, failing slots) and how a
 *   broker error is sorted; consumer-metrics.ts: the metrics.
 * This function only wires them together and tracks what stop() must wait for.
 */
export function startSessionConsumer<T>(options: SessionConsumerOptions<T>): SessionConsumer {
  const { client, entity, logger } = options;
  const entityLabel = entityName(entity);
  const maxSessionHoldMs = options.maxSessionHoldMs ?? 60_000;
  const state = new ConsumerState(logger, entityLabel);
  const metrics = consumerMetrics(options.registry, entityLabel, () => state.alive());

  // Acceptors and held sessions: stop() waits for all of them (in-flight messages finish).
  const running = new Set<Promise<void>>();
  const track = (task: Promise<void>) => {
    running.add(task);
    void task.finally(() => running.delete(task));
  };

  const { handler } = options;
  const handleBatch = 'handleBatch' in handler ? handler.handleBatch : oneAtATime(entityLabel, handler.handle);
  const handling = { parse: options.parse, handleBatch, retryDelayMs: options.retryDelayMs ?? defaultRetryDelay, logger, metrics };
  const holding = {
    state,
    metrics,
    logger,
    sessionIdleMs: options.sessionIdleMs ?? 2_000,
    maxSessionHoldMs,
    maxBatchSize: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
    settleBatch: (receiver: ServiceBusSessionReceiver, messages: ServiceBusReceivedMessage[]) => settleBatch(handling, receiver, messages),
    released: () => pool.released(),
  };
  const receiverOptions = { receiveMode: 'peekLock' as const, maxAutoLockRenewalDurationInMs: maxSessionHoldMs + 60_000 };
  let nextSessionSlot = 1;
  const accepting = {
    state,
    metrics,
    acceptNext: () =>
      'queue' in entity ? client.acceptNextSession(entity.queue, receiverOptions) : client.acceptNextSession(entity.topic, entity.subscription, receiverOptions),
    hold: (receiver: ServiceBusSessionReceiver) => track(holdSession(holding, nextSessionSlot++, receiver)),
  };
  // Acceptor slots count down from -1, held sessions up from 1 (ConsumerState.failing holds both).
  let nextAcceptorSlot = 0;
  const pool: AcceptorPool = new AcceptorPool(
    { min: options.acceptors?.min ?? 2, max: options.acceptors?.max ?? 8, slots: options.maxConcurrentSessions },
    () => track(runAcceptor({ ...accepting, pool }, -++nextAcceptorSlot)),
  );
  pool.start();
  // The dead-letter alert's gauge (k8s/monitoring); only where metrics are scraped.
  const deadLetters = options.registry ? watchDeadLetterDepth({ client, entity, registry: options.registry, logger }) : undefined;
  logger.info({ entity: entityLabel, maxConcurrentSessions: options.maxConcurrentSessions }, 'consumer started');

  return {
    async stop() {
      state.stop();
      pool.wakeAll();
      // Sessions waiting for a message end now; those handling one finish it and settle first.
      for (const endWait of [...state.waiting.values()]) endWait();
      while (running.size > 0) await Promise.allSettled([...running]);
      await deadLetters?.stop();
      logger.info({ entity: entityLabel }, 'consumer stopped');
    },
    heldSessions: () => [...state.held.values()].map((receiver) => receiver.sessionId),
    healthy: () => state.healthy(),
    alive: () => state.alive(),
  };
}
