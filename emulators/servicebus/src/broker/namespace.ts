import { randomUUID } from 'node:crypto';
import { withMessageId, type ParsedMessage } from '../amqp/codec.js';
import type { BrokerConfig, DuplicateDetection, ReceivableProps, RuleConfig } from '../config/model.js';
import { BrokerError, Condition } from '../errors.js';
import type { BrokerContext } from './context.js';
import { DuplicateDetector, messageIdKey } from './duplicates.js';
import { subscriptionAccepts } from './filters.js';
import { MessageStore } from './store.js';
import { cancelScheduled } from './store-queries.js';
import { StoredMessage } from './stored-message.js';

interface SendTargetBase {
  readonly name: string;
  readonly key: string;
  readonly dedupe: DuplicateDetector | undefined;
  nextSeq: number;
}

export interface QueueEntity extends SendTargetBase {
  readonly kind: 'queue';
  readonly store: MessageStore;
}

export interface SubscriptionEntity {
  readonly name: string;
  readonly rules: readonly RuleConfig[];
  readonly store: MessageStore;
}

export interface TopicEntity extends SendTargetBase {
  readonly kind: 'topic';
  readonly subscriptions: Map<string, SubscriptionEntity>;
}

export type SendTarget = QueueEntity | TopicEntity;

/** Dead-letter queues keep messages until someone takes them. */
function deadLetterProps(props: ReceivableProps): ReceivableProps {
  return {
    lockDurationMs: props.lockDurationMs,
    maxDeliveryCount: Number.POSITIVE_INFINITY,
    requiresSession: false,
    defaultTtlMs: Number.POSITIVE_INFINITY,
    deadLetteringOnExpiration: false,
  };
}

function detector(d: DuplicateDetection): DuplicateDetector | undefined {
  return d.enabled ? new DuplicateDetector(d.windowMs) : undefined;
}

/** The entities of the namespace and the routing of sends into their stores. */
export class Namespace {
  readonly targets = new Map<string, SendTarget>();
  /** Every store (queues, subscriptions and their dead-letter queues) by key. */
  readonly stores = new Map<string, MessageStore>();

  constructor(
    readonly config: BrokerConfig,
    readonly ctx: BrokerContext,
  ) {
    for (const q of config.queues) {
      const store = this.addStore(q.name, q.name.toLowerCase(), q.props);
      this.targets.set(q.name.toLowerCase(), { kind: 'queue', name: q.name, key: q.name.toLowerCase(), store, dedupe: detector(q.duplicateDetection), nextSeq: 1 });
    }
    for (const t of config.topics) {
      const subscriptions = new Map<string, SubscriptionEntity>();
      for (const s of t.subscriptions) {
        const store = this.addStore(`${t.name}/Subscriptions/${s.name}`, t.name.toLowerCase(), s.props);
        subscriptions.set(s.name.toLowerCase(), { name: s.name, rules: s.rules, store });
      }
      this.targets.set(t.name.toLowerCase(), { kind: 'topic', name: t.name, key: t.name.toLowerCase(), subscriptions, dedupe: detector(t.duplicateDetection), nextSeq: 1 });
    }
  }

  private addStore(path: string, entityKey: string, props: ReceivableProps): MessageStore {
    const dlq = new MessageStore(this.ctx, `${path}/$DeadLetterQueue`, entityKey, deadLetterProps(props), undefined);
    const store = new MessageStore(this.ctx, path, entityKey, props, dlq);
    this.stores.set(dlq.key, dlq);
    this.stores.set(store.key, store);
    return store;
  }

  target(name: string): SendTarget | undefined {
    return this.targets.get(name.toLowerCase());
  }

  /** The store a receiver or `$management` link names, if it exists. */
  store(entity: string, subscription: string | undefined, deadLetter: boolean): MessageStore | undefined {
    const path = subscription === undefined ? entity : `${entity}/subscriptions/${subscription}`;
    return this.stores.get((deadLetter ? `${path}/$deadletterqueue` : path).toLowerCase());
  }

  /**
   * Accepts messages sent to a queue or topic: duplicate detection, sequence
   * numbers, fan-out through subscription rules, journal, stores. Returns the
   * sequence number given to each message (duplicates get one too, unused).
   */
  send(target: SendTarget, messages: readonly ParsedMessage[]): number[] {
    const now = Date.now();
    const stores = target.kind === 'queue' ? undefined : [...target.subscriptions.values()];
    for (const m of messages) this.checkSession(target, m, stores);
    return messages.map((sent) => {
      const m = sent.messageId === undefined ? withMessageId(sent, randomUUID().replace(/-/g, '')) : sent;
      const seq = target.nextSeq++;
      const idKey = messageIdKey(m.messageId);
      if (target.dedupe && idKey !== undefined && target.dedupe.check(idKey, now)) return seq;
      const into = target.kind === 'queue' ? [target.store] : (stores ?? []).filter((s) => subscriptionAccepts(s.rules, m)).map((s) => s.store);
      const scheduled = m.scheduledEnqueueTime !== undefined && m.scheduledEnqueueTime > now;
      const at = scheduled ? (m.scheduledEnqueueTime as number) : now;
      const state = scheduled ? 'scheduled' : 'active';
      this.ctx.journal.append({
        t: 'enq', entity: target.key, stores: into.map((s) => s.key), seq, at, dc: 0, state, raw: m.raw,
        ...(target.dedupe && idKey !== undefined ? { dup: idKey } : {}),
      });
      for (const store of into) store.insert(new StoredMessage(seq, m, at, expiryOf(store, m, at), state, 0, undefined));
      return seq;
    });
  }

  private checkSession(target: SendTarget, m: ParsedMessage, subs: SubscriptionEntity[] | undefined): void {
    const needsSession =
      target.kind === 'queue'
        ? target.store.props.requiresSession
        : (subs ?? []).some((s) => s.store.props.requiresSession && subscriptionAccepts(s.rules, m));
    if (needsSession && m.sessionId === undefined) {
      throw new BrokerError(
        Condition.notAllowed,
        `The SessionId was not set on a message, and it cannot be sent to the entity '${target.name}'. Entities that have session support enabled can only receive messages that have the SessionId set.`,
      );
    }
  }

  cancelScheduled(target: SendTarget, seqs: readonly number[]): void {
    const stores = target.kind === 'queue' ? [target.store] : [...target.subscriptions.values()].map((s) => s.store);
    for (const seq of seqs) for (const store of stores) cancelScheduled(store, seq);
  }

  close(): void {
    for (const store of this.stores.values()) store.close();
  }
}

export function expiryOf(store: MessageStore, m: ParsedMessage, enqueuedAt: number): number {
  if (store.isDeadLetterQueue) return Number.POSITIVE_INFINITY;
  const ttl = Math.min(m.ttl !== undefined && m.ttl > 0 ? m.ttl : Number.POSITIVE_INFINITY, store.props.defaultTtlMs);
  return enqueuedAt + ttl;
}
