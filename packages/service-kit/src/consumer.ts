import type { ServiceBusClient, ServiceBusReceivedMessage, ServiceBusSessionReceiver } from '@azure/service-bus';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Result } from '@parley/contracts';
import { classifyBusError, transientBackoffMs } from './bus-errors.js';
import { AcceptorPool } from './acceptor-pool.js';
import { isPermanent, KitErrorCodes } from './errors.js';
import type { Logger } from './logger.js';
import { withMessageSpan } from './tracing-spans.js';
import { watchDeadLetterDepth } from './dead-letter-depth.js';

export type BusEntity = { queue: string } | { topic: string; subscription: string };

export interface MessageContext {
  readonly message: ServiceBusReceivedMessage;
  readonly logger: Logger;
}

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
  handle: (value: T, context: MessageContext) => Promise<void>;
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

/** A receive's own wait outlasts the hold limit; the quiet timer always ends it first. */
const RECEIVE_WAIT_MARGIN_MS = 60_000;
const defaultRetryDelay = (deliveryCount: number) => Math.min(100 * 2 ** deliveryCount, 5_000);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const entityName = (entity: BusEntity) => ('queue' in entity ? entity.queue : `${entity.topic}/${entity.subscription}`);

/**
 * The one consumer template (docs/style.md §8) over partition sessions: explicit
 * concurrency (one slot per held session, at most maxConcurrentSessions; sessions are
 * accepted by a few acceptors that scale with the backlog), in-order handling within a
 * session, dead-letter at once for invalid messages and permanent errors,
 * abandon-and-retry for transient ones (the broker dead-letters past the max
 * delivery count), and a stop that lets in-flight work finish.
 */
export function startSessionConsumer<T>(options: SessionConsumerOptions<T>): SessionConsumer {
  const { client, entity, logger } = options;
  const sessionIdleMs = options.sessionIdleMs ?? 2_000;
  const maxSessionHoldMs = options.maxSessionHoldMs ?? 60_000;
  const retryDelay = options.retryDelayMs ?? defaultRetryDelay;
  const metrics = consumerMetrics(options.registry, entityName(entity), () => fatal === undefined);
  const held = new Map<number, ServiceBusSessionReceiver>();
  // Held sessions waiting in a receive, with what ends that wait (closing the receiver); stop() calls them.
  const waiting = new Map<number, () => void>();
  const failing = new Set<number>();
  let stopping = false;
  let fatal: unknown;
  // Resolved by stop(). A slot waiting for a next session leaves at once instead of holding
  // stop() until the broker's accept timeout; the SDK cannot cancel a pending link attach.
  let signalStop!: () => void;
  const stopped = new Promise<undefined>((resolve) => (signalStop = () => resolve(undefined)));

  const acceptNext = () => {
    const receiverOptions = { receiveMode: 'peekLock' as const, maxAutoLockRenewalDurationInMs: maxSessionHoldMs + 60_000 };
    return 'queue' in entity
      ? client.acceptNextSession(entity.queue, receiverOptions)
      : client.acceptNextSession(entity.topic, entity.subscription, receiverOptions);
  };

  /** Handles one message; false means the rest of the batch must be given back to keep order. */
  async function processOne(receiver: ServiceBusSessionReceiver, message: ServiceBusReceivedMessage): Promise<boolean> {
    const log = logger.child({ messageId: message.messageId, sessionId: message.sessionId, deliveryCount: message.deliveryCount });
    const stopTimer = metrics.duration.startTimer();
    const parsed = options.parse(message.body);
    if (!parsed.ok) {
      log.warn({ code: parsed.error.code, reason: parsed.error.message }, 'invalid message dead-lettered');
      metrics.operations.inc('deadLetter');
      await receiver.deadLetterMessage(message, { deadLetterReason: parsed.error.code, deadLetterErrorDescription: parsed.error.message });
      metrics.outcomes.inc({ outcome: 'invalid' });
      return true;
    }
    try {
      // A CONSUMER span continuing the producer's trace (the message's traceparent); no-op while tracing is off.
      await withMessageSpan(entityName(entity), message, () => options.handle(parsed.value, { message, logger: log }));
    } catch (error) {
      if (isPermanent(error)) {
        log.warn({ err: error, reason: error.reason }, 'permanent failure dead-lettered');
        metrics.operations.inc('deadLetter');
        await receiver.deadLetterMessage(message, { deadLetterReason: error.reason, deadLetterErrorDescription: error.message });
        metrics.outcomes.inc({ outcome: 'dead-lettered' });
        return true;
      }
      log.warn({ err: error }, 'transient failure; abandoning for retry');
      await sleep(retryDelay(message.deliveryCount ?? 0));
      metrics.operations.inc('abandon');
      await receiver.abandonMessage(message);
      metrics.outcomes.inc({ outcome: 'abandoned' });
      return false;
    }
    // Outside the try: a failed settlement (lost session lock, closed link) is no failure of the
    // handler and must not dead-letter; it ends the session and the broker redelivers.
    metrics.operations.inc('complete');
    await receiver.completeMessage(message);
    metrics.outcomes.inc({ outcome: 'completed' });
    stopTimer();
    return true;
  }

  /**
   * Receives one message at a time until the session goes quiet or was held long enough (a batch
   * receive would hold its first message up to 1 s while it waits for the rest).
   *
   * A receive never ends on its own wait: one that ends with its credit unused makes the SDK
   * drain the link, and the SDK closes the link (losing the session and failing the settlement
   * of whatever is in hand) when the drain's answer takes over 200 ms, which a busy event loop
   * alone causes. So each receive waits for as long as the session may be held, and a timer
   * closes the receiver instead once the session is quiet (or at the hold limit, or at stop):
   * a close while waiting settles nothing and gives the session straight back. A receive
   * returns as soon as its one message arrives, so quiet-time latency is that of the broker.
   */
  async function drainSession(slot: number, receiver: ServiceBusSessionReceiver): Promise<void> {
    const holdUntil = Date.now() + maxSessionHoldMs;
    while (!stopping && Date.now() < holdUntil) {
      const quietUntil = Math.min(Date.now() + sessionIdleMs, holdUntil);
      let closedWhileWaiting = false;
      const closeWhileWaiting = () => {
        closedWhileWaiting = true;
        void receiver.close().catch(() => undefined);
      };
      const quietTimer = setTimeout(closeWhileWaiting, quietUntil - Date.now());
      waiting.set(slot, closeWhileWaiting);
      metrics.operations.inc('receive');
      let messages: ServiceBusReceivedMessage[];
      try {
        messages = await receiver.receiveMessages(1, { maxWaitTimeInMs: maxSessionHoldMs + RECEIVE_WAIT_MARGIN_MS });
      } finally {
        clearTimeout(quietTimer);
        waiting.delete(slot);
      }
      failing.delete(slot);
      // A message that raced the close is left unsettled: the broker gives it out again with the session.
      if (closedWhileWaiting || messages.length === 0) return;
      for (let i = 0; i < messages.length; i++) {
        const message = messages[i]!;
        if (stopping || !(await processOne(receiver, message))) {
          // Give back the rest unprocessed so a retried message is not overtaken.
          for (const rest of messages.slice(stopping ? i : i + 1)) await receiver.abandonMessage(rest).catch(() => undefined);
          break;
        }
      }
    }
  }

  /**
   * Sorts a broker error (docs/style.md §8): idle goes straight back to accepting, fatal stops
   * every slot, transient waits with back-off. Returns false when the slot must end.
   */
  async function onBrokerError(slot: number, error: unknown, failuresInARow: number, doing: string): Promise<boolean> {
    if (stopping) return false;
    const kind = classifyBusError(error);
    // The broker answered (no session has messages): it is reachable again, so ready again.
    if (kind === 'idle') {
      failing.delete(slot);
      return true;
    }
    failing.add(slot);
    if (kind === 'fatal') {
      if (fatal === undefined) {
        fatal = error;
        logger.fatal({ err: error, code: KitErrorCodes.consumerStopped, entity: entityName(entity) }, `${doing} failed permanently; consumer stopped`);
      }
      stopping = true;
      signalStop();
      return false;
    }
    const delayMs = transientBackoffMs(failuresInARow);
    logger.error({ err: error, slot, delayMs, failuresInARow }, `${doing} failed; backing off`);
    await Promise.race([sleep(delayMs), stopped]);
    return !stopping;
  }

  /** Holds one accepted session, in order, until it goes idle or was held long enough; then gives it back. */
  async function holdSession(id: number, receiver: ServiceBusSessionReceiver): Promise<void> {
    held.set(id, receiver);
    metrics.sessions.inc();
    try {
      await drainSession(id, receiver);
    } catch (error) {
      logger.warn({ err: error, sessionId: receiver.sessionId }, 'session ended with an error');
      if (classifyBusError(error) === 'fatal') await onBrokerError(id, error, 1, 'receiving');
    } finally {
      held.delete(id);
      failing.delete(id);
      metrics.sessions.dec();
      await receiver.close().catch(() => undefined);
      pool.released();
    }
  }

  /**
   * One acceptor: waits at the broker for a session with messages, hands it to holdSession and
   * accepts again; the pool decides how many run (few while idle, more while there is a backlog).
   */
  async function runAcceptor(slot: number): Promise<void> {
    let failuresInARow = 0;
    let retired = false;
    try {
      while (!stopping) {
        await Promise.race([pool.room(), stopped]);
        if (stopping) return;
        let receiver: ServiceBusSessionReceiver | undefined;
        try {
          metrics.operations.inc('accept');
          const accepting = acceptNext();
          receiver = await Promise.race([accepting, stopped]);
          if (!receiver) {
            // Stopping: a session accepted after all is given straight back.
            accepting.then((late) => late.close(), () => undefined).catch(() => undefined);
            return;
          }
        } catch (error) {
          pool.acceptEnded();
          const idle = classifyBusError(error) === 'idle';
          if (idle && pool.retireIfExtra()) return void (retired = true);
          if (!idle) failuresInARow++;
          if (!(await onBrokerError(slot, error, failuresInARow, 'accepting a session'))) return;
          continue;
        }
        failuresInARow = 0;
        failing.delete(slot);
        pool.accepted();
        track(holdSession(nextSessionId++, receiver));
      }
    } finally {
      failing.delete(slot);
      if (!retired) pool.exited();
    }
  }

  // Acceptors and held sessions: stop() waits for all of them (in-flight messages finish).
  const running = new Set<Promise<void>>();
  const track = (task: Promise<void>) => {
    running.add(task);
    void task.finally(() => running.delete(task));
  };
  let nextSessionId = 1;
  let nextAcceptor = 0;
  // Acceptors and sessions share the `failing` set: acceptors count down from -1, sessions up from 1.
  const pool = new AcceptorPool(
    { min: options.acceptors?.min ?? 2, max: options.acceptors?.max ?? 8, slots: options.maxConcurrentSessions },
    () => track(runAcceptor(-++nextAcceptor)),
  );
  pool.start();
  // The dead-letter alert's gauge (k8s/monitoring); only where metrics are scraped.
  const deadLetters = options.registry ? watchDeadLetterDepth({ client, entity, registry: options.registry, logger }) : undefined;
  logger.info({ entity: entityName(entity), maxConcurrentSessions: options.maxConcurrentSessions }, 'consumer started');

  return {
    async stop() {
      stopping = true;
      signalStop();
      pool.wakeAll();
      // Sessions waiting for a message end now; those handling one finish it and settle first.
      for (const endWait of [...waiting.values()]) endWait();
      while (running.size > 0) await Promise.allSettled([...running]);
      await deadLetters?.stop();
      logger.info({ entity: entityName(entity) }, 'consumer stopped');
    },
    heldSessions: () => [...held.values()].map((receiver) => receiver.sessionId),
    healthy: () => failing.size === 0 && fatal === undefined,
    alive: () => fatal === undefined,
  };
}

function consumerMetrics(registry: Registry | undefined, entity: string, alive: () => boolean) {
  const registers = registry ? [registry] : [];
  const outcomes = new Counter({ name: 'parley_consumer_messages_total', help: 'Messages handled, by outcome', labelNames: ['entity', 'outcome'], registers });
  const duration = new Histogram({
    name: 'parley_consumer_handle_seconds',
    help: 'Time to handle and settle one message',
    labelNames: ['entity'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const sessions = new Gauge({ name: 'parley_consumer_sessions_held', help: 'Partition sessions held', labelNames: ['entity'], registers });
  const operations = new Counter({
    name: 'parley_consumer_bus_operations_total',
    help: 'Requests to the broker: session accepts, receives and settlements',
    labelNames: ['entity', 'operation'],
    registers,
  });
  // Read at scrape time: 0 once a fatal broker error stopped the consumer (the "consumer stopped" alert, k8s/monitoring).
  new Gauge({
    name: 'parley_consumer_alive',
    help: '1 while the consumer runs; 0 once a fatal broker error stopped it',
    labelNames: ['entity'],
    registers,
    collect() {
      this.set({ entity }, alive() ? 1 : 0);
    },
  });
  return {
    outcomes: { inc: ({ outcome }: { outcome: string }) => outcomes.inc({ entity, outcome }) },
    duration: { startTimer: () => duration.startTimer({ entity }) },
    sessions: { inc: () => sessions.inc({ entity }), dec: () => sessions.dec({ entity }) },
    operations: { inc: (operation: 'accept' | 'receive' | 'complete' | 'abandon' | 'deadLetter') => operations.inc({ entity, operation }) },
  };
}
