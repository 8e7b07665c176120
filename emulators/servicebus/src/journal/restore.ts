import { parseMessage } from '../amqp/codec.js';
import { expiryOf, type Namespace } from '../broker/namespace.js';
import { ruleFromJson, ruleToJson, type RuleJson } from '../broker/rules.js';
import { StoredMessage, type MessageState } from '../broker/stored-message.js';
import type { Logger } from '../logger.js';
import type { JournalRecord } from './records.js';

interface Recovered {
  raw: Buffer;
  at: number;
  dc: number;
  state: MessageState;
  dls: string | undefined;
}

/** The state a sequence of journal records leaves behind. */
export class RecoveredState {
  readonly stores = new Map<string, Map<number, Recovered>>();
  readonly sessionStates = new Map<string, Map<string, Buffer | null>>();
  readonly nextSeq = new Map<string, number>();
  readonly duplicates = new Map<string, Map<string, number>>();
  readonly rules = new Map<string, { base: string; rules: RuleJson[] }>();

  apply(r: JournalRecord): void {
    switch (r.t) {
      case 'enq':
        this.bump(r.entity, r.seq + 1);
        for (const key of r.stores) this.store(key).set(r.seq, { raw: r.raw, at: r.at, dc: r.dc, state: r.state, dls: r.dls });
        if (r.dup !== undefined) this.dups(r.entity).set(r.dup, r.at);
        return;
      case 'del':
        this.stores.get(r.store)?.delete(r.seq);
        return;
      case 'upd': {
        const m = this.stores.get(r.store)?.get(r.seq);
        if (!m) return;
        m.dc = r.dc;
        m.state = r.state;
        if (r.raw) m.raw = r.raw;
        return;
      }
      case 'sst': {
        let states = this.sessionStates.get(r.store);
        if (!states) this.sessionStates.set(r.store, (states = new Map<string, Buffer | null>()));
        states.set(r.sid, r.state);
        return;
      }
      case 'seq':
        this.bump(r.entity, r.next);
        return;
      case 'dup':
        this.dups(r.entity).set(r.id, r.at);
        return;
      case 'rules':
        this.rules.set(r.store, { base: r.base, rules: r.rules });
        return;
    }
  }

  private bump(entity: string, next: number): void {
    this.nextSeq.set(entity, Math.max(this.nextSeq.get(entity) ?? 1, next));
  }

  private store(key: string): Map<number, Recovered> {
    let m = this.stores.get(key);
    if (!m) this.stores.set(key, (m = new Map<number, Recovered>()));
    return m;
  }

  private dups(entity: string): Map<string, number> {
    let m = this.duplicates.get(entity);
    if (!m) this.duplicates.set(entity, (m = new Map<string, number>()));
    return m;
  }
}

/** Puts recovered messages, session states, counters and duplicate ids back. */
export function restoreInto(ns: Namespace, state: RecoveredState, log: Logger): number {
  const now = Date.now();
  for (const target of ns.targets.values()) {
    target.nextSeq = Math.max(target.nextSeq, state.nextSeq.get(target.key) ?? 1);
    for (const [id, at] of state.duplicates.get(target.key) ?? []) target.dedupe?.restore(id, at, now);
  }
  restoreRules(ns, state, log);
  let restored = 0;
  for (const [key, messages] of state.stores) {
    const store = ns.stores.get(key);
    if (!store) {
      if (messages.size > 0) log.warn({ store: key, messages: messages.size }, 'journal holds messages of an entity missing from the config; dropped');
      continue;
    }
    for (const [seq, r] of [...messages.entries()].sort((a, b) => a[0] - b[0])) {
      const parsed = parseMessage(r.raw);
      const state_ = r.state === 'scheduled' && r.at <= now ? 'active' : r.state;
      store.insert(new StoredMessage(seq, parsed, r.at, expiryOf(store, parsed, r.at), state_, r.dc, r.dls));
      restored++;
    }
  }
  for (const [key, sessions] of state.sessionStates) {
    const store = ns.stores.get(key);
    for (const [sid, value] of sessions) if (store?.sessions && value) store.sessions.entry(sid).state = value;
  }
  return restored;
}

/** Run-time rule changes come back unless Config.json changed that subscription's rules since. */
function restoreRules(ns: Namespace, state: RecoveredState, log: Logger): void {
  for (const [key, saved] of state.rules) {
    const sub = ns.subscriptionOf(ns.stores.get(key));
    if (!sub) continue;
    if (saved.base !== JSON.stringify(sub.configuredRules.map(ruleToJson))) {
      log.warn({ subscription: key }, 'Config.json changed this subscription\'s rules since they were changed at run time; the file wins');
      continue;
    }
    try {
      sub.rules = Object.freeze(saved.rules.map(ruleFromJson));
    } catch (err) {
      log.error({ err, subscription: key }, 'journaled rules no longer parse; keeping the configured ones');
    }
  }
}

/** Records that rebuild the current state from nothing (journal compaction). */
export function* snapshotOf(ns: Namespace): Generator<JournalRecord> {
  const now = Date.now();
  for (const target of ns.targets.values()) {
    yield { t: 'seq', entity: target.key, next: target.nextSeq };
    for (const [id, at] of target.dedupe?.entries(now) ?? []) yield { t: 'dup', entity: target.key, id, at };
  }
  for (const target of ns.targets.values()) {
    if (target.kind !== 'topic') continue;
    for (const sub of target.subscriptions.values()) {
      if (sub.rules === sub.configuredRules) continue;
      yield { t: 'rules', store: sub.store.key, base: JSON.stringify(sub.configuredRules.map(ruleToJson)), rules: sub.rules.map(ruleToJson) };
    }
  }
  for (const store of ns.stores.values()) {
    for (const m of store.messages.values()) {
      yield {
        t: 'enq', entity: store.entityKey, stores: [store.key], seq: m.seq, at: m.enqueuedAt, dc: m.deliveryCount,
        state: m.state, raw: m.parsed.raw, ...(m.deadLetterSource !== undefined ? { dls: m.deadLetterSource } : {}),
      };
    }
    for (const e of store.sessions?.entries.values() ?? []) {
      if (e.state) yield { t: 'sst', store: store.key, sid: e.id, state: e.state };
    }
  }
}
