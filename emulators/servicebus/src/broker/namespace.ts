import { randomUUID } from 'node:crypto';
import { withApplicationProperties, withMessageId, parseMessage, type ParsedMessage } from '../amqp/codec.js';
import type { BrokerConfig, DuplicateDetection, ReceivableProps, RuleConfig } from '../config/model.js';
import { BrokerError, Condition } from '../errors.js';
import type { BrokerContext } from './context.js';
import { DuplicateDetector, messageIdKey } from './duplicates.js';
import { routeThroughRules, type RoutedCopy } from './filters.js';
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
  /** The topic's key and this subscription's, for rule management and the journal. */
  readonly topicKey: string;
  /** Changed at run time through `$management` (add-rule, remove-rule). */
  rules: readonly RuleConfig[];
  /** The rules Config.json gave, to tell whether journaled rules still apply. */
  readonly configuredRules: readonly RuleConfig[];
  readonly deadLetterOnFilterErrors: boolean;
  readonly store: MessageStore;
}

export interface TopicEntity extends SendTargetBase {
  readonly kind: 'topic';
  readonly subscriptions: Map<string, SubscriptionEntity>;
}

export type SendTarget = QueueEntity | TopicEntity;

/** Service Bus dead-letters a message that would pass through more than four entities. */
export const maxTransferHops = 4;

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

/** Where one copy of a sent message goes. */
interface Placement {
  readonly store: MessageStore;
  readonly copy: RoutedCopy;
}

function withReason(m: ParsedMessage, reason: string, description: string): ParsedMessage {
  return parseMessage(withApplicationProperties(m, { DeadLetterReason: reason, DeadLetterErrorDescription: description }));
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
        subscriptions.set(s.name.toLowerCase(), {
          name: s.name, topicKey: t.name.toLowerCase(), rules: s.rules, configuredRules: s.rules,
          deadLetterOnFilterErrors: s.deadLetteringOnFilterEvaluationExceptions, store,
        });
      }
      this.targets.set(t.name.toLowerCase(), { kind: 'topic', name: t.name, key: t.name.toLowerCase(), subscriptions, dedupe: detector(t.duplicateDetection), nextSeq: 1 });
    }
  }

  private addStore(path: string, entityKey: string, props: ReceivableProps): MessageStore {
    const dlq = new MessageStore(this.ctx, `${path}/$DeadLetterQueue`, entityKey, deadLetterProps(props), undefined);
    const store = new MessageStore(this.ctx, path, entityKey, props, dlq);
    const forwardTo = props.forwardDeadLetteredMessagesTo;
    if (forwardTo !== undefined) store.forwardDeadLetter = (parsed, hops) => this.forward(forwardTo, parsed, hops, undefined);
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

  /** The subscription whose (non dead-letter) store this is. */
  subscriptionOf(store: MessageStore | undefined): SubscriptionEntity | undefined {
    for (const t of this.targets.values()) {
      if (t.kind !== 'topic') continue;
      for (const s of t.subscriptions.values()) if (s.store === store) return s;
    }
    return undefined;
  }

  /**
   * Accepts messages sent to a queue or topic: duplicate detection, sequence
   * numbers, fan-out through subscription rules and actions, auto-forwarding,
   * journal, stores. Returns the sequence number given to each message
   * (duplicates get one too, unused). `hops` counts auto-forwarding steps.
   */
  send(target: SendTarget, messages: readonly ParsedMessage[], hops = 0): number[] {
    const now = Date.now();
    const first = target.nextSeq;
    // Routed before anything is numbered or journaled, so a refused batch leaves no trace.
    const plans = messages.map((sent, i) => {
      const m = sent.messageId === undefined ? withMessageId(sent, randomUUID().replace(/-/g, '')) : sent;
      const placements = this.route(target, m, { seq: first + i, at: now });
      this.checkSession(target, placements);
      return { m, placements };
    });
    target.nextSeq += messages.length;
    return plans.map(({ m, placements }, i) => {
      const seq = first + i;
      const idKey = messageIdKey(m.messageId);
      if (target.dedupe && idKey !== undefined && target.dedupe.check(idKey, now)) return seq;
      const scheduled = m.scheduledEnqueueTime !== undefined && m.scheduledEnqueueTime > now;
      const at = scheduled ? (m.scheduledEnqueueTime as number) : now;
      const state = scheduled ? 'scheduled' : 'active';
      const used = new Set<MessageStore>();
      const inserts: { store: MessageStore; parsed: ParsedMessage; seq: number }[] = [];
      for (const { store, copy } of placements) {
        // A second copy in the same subscription (a rule action) needs its own number.
        const copySeq = used.has(store) ? target.nextSeq++ : seq;
        used.add(store);
        if (copy.deadLetter) store.placeDeadLetter(withReason(copy.parsed, copy.deadLetter.reason, copy.deadLetter.description), copySeq, at, 0, hops);
        else if (store.props.forwardTo !== undefined) this.forward(store.props.forwardTo, copy.parsed, hops, { store, seq: copySeq, at });
        else inserts.push({ store, parsed: copy.parsed, seq: copySeq });
      }
      this.journalArrival(target, m, seq, inserts, at, state, idKey);
      for (const x of inserts) x.store.insert(new StoredMessage(x.seq, x.parsed, at, expiryOf(x.store, x.parsed, at), state, 0, undefined));
      return seq;
    });
  }

  /**
   * One journal record per distinct copy. There is always one, even when
   * nothing was stored here: it carries the sequence counter and the
   * duplicate-detection key.
   */
  private journalArrival(
    target: SendTarget, m: ParsedMessage, seq: number, inserts: { store: MessageStore; parsed: ParsedMessage; seq: number }[],
    at: number, state: 'active' | 'scheduled', idKey: string | undefined,
  ): void {
    const groups: { parsed: ParsedMessage; seq: number; stores: string[] }[] = [];
    for (const x of inserts) {
      const g = groups.find((y) => y.parsed === x.parsed && y.seq === x.seq);
      if (g) g.stores.push(x.store.key);
      else groups.push({ parsed: x.parsed, seq: x.seq, stores: [x.store.key] });
    }
    if (groups.length === 0) groups.push({ parsed: m, seq, stores: [] });
    const dup = target.dedupe && idKey !== undefined ? { dup: idKey } : {};
    groups.forEach((g, i) => {
      this.ctx.journal.append({ t: 'enq', entity: target.key, stores: g.stores, seq: g.seq, at, dc: 0, state, raw: g.parsed.raw, ...(i === 0 ? dup : {}) });
    });
  }

  private route(target: SendTarget, m: ParsedMessage, arrival: { seq: number; at: number }): Placement[] {
    if (target.kind === 'queue') return [{ store: target.store, copy: { parsed: m } }];
    const out: Placement[] = [];
    for (const sub of target.subscriptions.values()) {
      for (const copy of routeThroughRules(sub.rules, m, arrival, sub.deadLetterOnFilterErrors)) out.push({ store: sub.store, copy });
    }
    return out;
  }

  /**
   * Auto-forwarding: the message goes on to `targetName` with a new sequence
   * number there. Past four hops, or when the target refuses it, it becomes a
   * dead letter of `from` (when there is one). Answers whether it went on.
   */
  private forward(targetName: string, m: ParsedMessage, hops: number, from: { store: MessageStore; seq: number; at: number } | undefined): boolean {
    const target = this.target(targetName);
    let failure: { reason: string; description: string };
    if (!target) failure = { reason: 'ForwardingFailed', description: `The forwarding target '${targetName}' does not exist.` };
    else if (hops >= maxTransferHops) {
      failure = { reason: 'MaxTransferHopCountExceeded', description: `The maximum number of allowed hops when forwarding between queues has been exceeded. This value is set to ${maxTransferHops}.` };
    } else {
      try {
        this.send(target, [m], hops + 1);
        return true;
      } catch (err) {
        if (!(err instanceof BrokerError)) throw err;
        failure = m.sessionId === undefined && err.condition === Condition.notAllowed
          ? { reason: 'Session ID is null.', description: "Session enabled entity doesn't allow a message whose session identifier is null." }
          : { reason: 'ForwardingFailed', description: err.description };
      }
    }
    if (!from) return false;
    // The hop count goes on: a dead letter forwarded in a loop ends in a dead-letter queue.
    from.store.placeDeadLetter(withReason(m, failure.reason, failure.description), from.seq, from.at, 0, hops + 1);
    return true;
  }

  private checkSession(target: SendTarget, placements: readonly Placement[]): void {
    const stored = placements.filter((p) => !p.copy.deadLetter && p.store.props.forwardTo === undefined);
    if (stored.some((p) => p.store.props.requiresSession && p.copy.parsed.sessionId === undefined)) {
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
