import type { Delivery, EventContext, Sender } from 'rhea';
import type { SessionEntry, SessionWaiter } from '../broker/sessions.js';
import type { MessageStore, Outcome } from '../broker/store.js';
import type { Consumer, MessageLock, StoredMessage } from '../broker/stored-message.js';
import { asBrokerError, BrokerError, Condition } from '../errors.js';
import type { Logger } from '../logger.js';
import { encodeForDelivery } from './codec.js';
import { deliveryTagFor, newLockToken } from './lock-token.js';
import { amqpMessage, types } from './rhea.js';
import { holdAttach, localAttach, remoteAttach, sendableCount, sendHeldAttach, settleWithOutcome } from './rhea-internals.js';

const sessionFilter = 'com.microsoft:session-filter';
const lockedUntilProperty = 'com.microsoft:locked-until-utc';
const defaultAcceptTimeoutMs = 60_000;
const deadLetterCondition = 'com.microsoft:dead-letter';

/** .NET ticks (100 ns since 0001-01-01) as the 8 big-endian bytes the SDK reads. */
function ticks(ms: number): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeBigInt64BE(BigInt(ms) * 10_000n + 621_355_968_000_000_000n);
  return buf;
}

interface Pending {
  readonly message: StoredMessage;
  readonly lock: MessageLock;
}

/**
 * A receiver link of a client, seen from the broker: it takes messages from
 * one store (or one session of it) and settles them through dispositions.
 */
export class OutgoingLink implements Consumer {
  readonly receiveAndDelete: boolean;
  private readonly pending = new Map<Delivery, Pending>();
  private session: SessionEntry | undefined;
  private waiter: SessionWaiter | undefined;
  private closed = false;

  constructor(
    private readonly sender: Sender,
    private readonly store: MessageStore,
    private readonly log: Logger,
  ) {
    this.receiveAndDelete = remoteAttach(sender).snd_settle_mode === 1;
  }

  /** Completes (or holds, for acceptNextSession) the attach. Throws a BrokerError to refuse it. */
  open(): void {
    const remote = remoteAttach(this.sender);
    const filter = remote.source?.filter;
    const wantsSession = filter !== undefined && filter !== null && sessionFilter in filter;
    const local = localAttach(this.sender);
    local.snd_settle_mode = remote.snd_settle_mode;
    local.rcv_settle_mode = remote.rcv_settle_mode;
    this.sender.set_target((remote.target ?? {}) as never);
    this.listen();
    const sessions = this.store.sessions;
    if (!sessions) {
      if (wantsSession) {
        throw new BrokerError(Condition.notAllowed, `It is not possible for an entity that does not require sessions to create a session receiver: '${this.store.path}'.`);
      }
      this.sender.set_source({ address: remote.source?.address ?? this.store.path } as never);
      this.store.addConsumer(this);
      return;
    }
    if (!wantsSession) {
      throw new BrokerError(Condition.notAllowed, `The entity '${this.store.path}' requires sessions: accept a session to receive from it.`);
    }
    const requested = filter[sessionFilter];
    if (requested !== undefined && requested !== null) {
      this.granted(sessions.lock(String(requested), this));
      return;
    }
    const next = sessions.lockNext(this);
    if (next) {
      this.granted(next);
      return;
    }
    const timeout = Number(remote.properties?.['com.microsoft:timeout'] ?? defaultAcceptTimeoutMs);
    holdAttach(this.sender);
    const waiter: SessionWaiter = {
      consumer: this,
      granted: (entry) => {
        this.waiter = undefined;
        this.granted(entry);
        sendHeldAttach(this.sender);
      },
    };
    this.waiter = waiter;
    sessions.wait(waiter);
    this.store.ctx.deadlines.at(Date.now() + (Number.isFinite(timeout) && timeout > 0 ? timeout : defaultAcceptTimeoutMs), () => {
      if (this.waiter !== waiter) return;
      this.stopWaiting();
      sendHeldAttach(this.sender);
      this.sender.close({ condition: Condition.timeout, description: 'No session with messages became available within the operation timeout.' });
    });
  }

  private granted(entry: SessionEntry): void {
    this.session = entry;
    const remote = remoteAttach(this.sender);
    this.sender.set_source({ address: remote.source?.address ?? this.store.path, filter: { [sessionFilter]: entry.id } } as never);
    localAttach(this.sender).properties = { [lockedUntilProperty]: types.wrap_long(ticks(entry.lockedUntil)) };
  }

  private stopWaiting(): void {
    if (this.waiter) this.store.sessions?.cancelWait(this.waiter);
    this.waiter = undefined;
  }

  private listen(): void {
    const s = this.sender;
    const dispatch = () => this.store.scheduleDispatch();
    s.on('sendable', dispatch);
    s.on('sender_flow', dispatch);
    s.on('sender_draining', () => {
      // Send what is ready now, then give the remaining credit back.
      if (!this.closed) this.store.dispatch();
      s.set_drained(true);
    });
    s.on('accepted', (ctx: EventContext) => this.onOutcome(ctx, { kind: 'complete' }));
    s.on('released', (ctx: EventContext) => this.onReleased(ctx));
    s.on('modified', (ctx: EventContext) => this.onOutcome(ctx, modifiedOutcome(ctx)));
    s.on('rejected', (ctx: EventContext) => this.onOutcome(ctx, rejectedOutcome(ctx)));
    s.on('sender_close', () => this.close());
    s.on('sender_error', () => this.close());
  }

  availableCredit(): number {
    return this.closed || !this.sender.is_open() ? 0 : sendableCount(this.sender);
  }

  deliver(m: StoredMessage, lock: MessageLock | undefined): void {
    const bytes = encodeForDelivery(m.parsed, m.deliveryCount, {
      sequenceNumber: m.seq,
      enqueuedTime: m.enqueuedAt,
      ...(lock ? { lockedUntil: lock.until } : {}),
      ...(m.deadLetterSource !== undefined ? { deadLetterSource: m.deadLetterSource } : {}),
    });
    const tag = deliveryTagFor(lock ? lock.token : newLockToken());
    const delivery = this.sender.send(bytes, tag, 0);
    if (lock) this.pending.set(delivery, { message: m, lock });
  }

  detach(condition: string, description: string): void {
    if (this.closed) return;
    this.sender.close({ condition, description });
    this.close();
  }

  private onReleased(ctx: EventContext): void {
    const delivery = ctx.delivery;
    const p = delivery && this.pending.get(delivery);
    if (!delivery || !p) return;
    this.pending.delete(delivery);
    // Released means "not processed here": the lock ends without counting a delivery.
    if (this.store.holds(p.message, p.lock)) this.store.unlock(p.message, false);
    settleWithOutcome(delivery, amqpMessage.released().described());
  }

  private onOutcome(ctx: EventContext, outcome: Outcome): void {
    const delivery = ctx.delivery;
    const p = delivery && this.pending.get(delivery);
    if (!delivery || !p) return;
    this.pending.delete(delivery);
    let reply: unknown;
    try {
      this.store.settle(p.message, p.lock, outcome);
      reply = echo(outcome);
    } catch (err) {
      reply = amqpMessage.rejected({ error: asBrokerError(err).toAmqp() }).described();
    }
    const durable = this.store.ctx.journal.sync();
    if (!durable) {
      settleWithOutcome(delivery, reply);
      return;
    }
    durable.then(
      () => settleWithOutcome(delivery, reply),
      (err: unknown) => {
        this.log.error({ err }, 'journal write failed; settlement not confirmed');
        settleWithOutcome(delivery, amqpMessage.rejected({ error: asBrokerError(err).toAmqp() }).described());
      },
    );
  }

  /** The link is gone: session messages come back now, others when their lock ends. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopWaiting();
    this.pending.clear();
    this.store.removeConsumer(this);
    if (this.session) this.store.sessions?.release(this.session, this);
    this.session = undefined;
  }
}

function echo(outcome: Outcome): unknown {
  switch (outcome.kind) {
    case 'complete':
      return amqpMessage.accepted().described();
    case 'abandon':
      return amqpMessage.modified({ delivery_failed: true, undeliverable_here: false }).described();
    case 'defer':
      return amqpMessage.modified({ delivery_failed: false, undeliverable_here: true }).described();
    case 'deadLetter':
      // A rejected outcome with an error would make the SDK throw.
      return amqpMessage.rejected({}).described();
  }
}

function propertiesOf(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && Object.keys(v).length > 0 ? { ...(v as Record<string, unknown>) } : undefined;
}

function modifiedOutcome(ctx: EventContext): Outcome {
  const state = ctx.delivery?.remote_state as { undeliverable_here?: boolean; message_annotations?: unknown } | undefined;
  const properties = propertiesOf(state?.message_annotations);
  const kind = state?.undeliverable_here ? 'defer' : 'abandon';
  return properties ? { kind, properties } : { kind };
}

function rejectedOutcome(ctx: EventContext): Outcome {
  const error = (ctx.delivery?.remote_state as { error?: { condition?: string; description?: string; info?: unknown } } | undefined)?.error;
  const info = propertiesOf(error?.info) ?? {};
  if (error?.condition !== deadLetterCondition) {
    return { kind: 'deadLetter', reason: error?.condition, description: error?.description };
  }
  const reason = info.DeadLetterReason;
  const description = info.DeadLetterErrorDescription;
  delete info.DeadLetterReason;
  delete info.DeadLetterErrorDescription;
  return {
    kind: 'deadLetter',
    ...(typeof reason === 'string' ? { reason } : {}),
    ...(typeof description === 'string' ? { description } : {}),
    ...(Object.keys(info).length > 0 ? { properties: info } : {}),
  };
}
