import { encodeForDelivery, parseMessage } from '../amqp/codec.js';
import { types } from '../amqp/rhea.js';
import type { Namespace, SendTarget } from '../broker/namespace.js';
import type { MessageStore, Outcome } from '../broker/store.js';
import { peekMessages, receiveDeferred } from '../broker/store-queries.js';
import type { MessageLock, StoredMessage } from '../broker/stored-message.js';
import { BrokerError, Condition, lockLost } from '../errors.js';
import { argument, listOf, noContent, ok, optionalMap, optionalString, requiredString, toNumber, type ManagementReply, type RequestBody } from './request.js';
import { ruleOperations } from './rule-operations.js';
import { sessionOperations } from './session-operations.js';

/** What a `$management` address names: a store to read, a queue/topic to send to, or both. */
export interface ManagementScope {
  readonly ns: Namespace;
  readonly path: string;
  readonly store: MessageStore | undefined;
  readonly target: SendTarget | undefined;
}

type Operation = (scope: ManagementScope, body: RequestBody) => ManagementReply;

function needStore(scope: ManagementScope): MessageStore {
  if (!scope.store) throw new BrokerError(Condition.notAllowed, `'${scope.path}' holds no messages to read.`);
  return scope.store;
}

function needTarget(scope: ManagementScope): SendTarget {
  if (!scope.target) throw new BrokerError(Condition.notAllowed, `Messages cannot be scheduled on '${scope.path}'.`);
  return scope.target;
}

/** Encodes a stored message the way peek and receive-by-sequence-number return it. */
export function encodeStored(m: StoredMessage, lock: MessageLock | undefined): Buffer {
  return encodeForDelivery(m.parsed, m.deliveryCount, {
    sequenceNumber: m.seq,
    enqueuedTime: m.enqueuedAt,
    state: m.state,
    ...(lock ? { lockedUntil: lock.until } : m.lock ? { lockedUntil: m.lock.until } : {}),
    ...(m.deadLetterSource !== undefined ? { deadLetterSource: m.deadLetterSource } : {}),
  });
}

function lockedMessage(scope: ManagementScope, token: unknown): { store: MessageStore; message: StoredMessage; lock: MessageLock } {
  if (!Buffer.isBuffer(token) || token.length !== 16) throw argument('lock-tokens');
  const entry = scope.ns.ctx.locks.get(token.toString('hex'));
  const lock = entry?.message.lock;
  if (!entry || !lock || lock.token.key !== token.toString('hex')) throw lockLost();
  return { store: entry.store, message: entry.message, lock };
}

const peek: Operation = (scope, body) => {
  const store = needStore(scope);
  const from = toNumber(body['from-sequence-number'], 'from-sequence-number');
  const count = toNumber(body['message-count'], 'message-count');
  const found = peekMessages(store, from, Math.max(1, count), optionalString(body['session-id']));
  if (found.length === 0) return noContent();
  return ok({ messages: found.map((m) => ({ message: encodeStored(m, undefined) })) });
};

const renewLock: Operation = (scope, body) => {
  const expirations = listOf(body['lock-tokens'], 'lock-tokens').map((token) => {
    const { store, message } = lockedMessage(scope, token);
    return store.renewLock(message);
  });
  return ok({ expirations: types.wrap_array(expirations, 0x83, undefined) });
};

const dispositions: Record<string, (body: RequestBody) => Outcome> = {
  completed: () => ({ kind: 'complete' }),
  abandoned: (b) => withProps({ kind: 'abandon' }, b),
  defered: (b) => withProps({ kind: 'defer' }, b),
  deferred: (b) => withProps({ kind: 'defer' }, b),
  suspended: (b) => ({
    ...withProps({ kind: 'deadLetter' }, b),
    ...(typeof b['deadletter-reason'] === 'string' ? { reason: b['deadletter-reason'] } : {}),
    ...(typeof b['deadletter-description'] === 'string' ? { description: b['deadletter-description'] } : {}),
  }),
};

function withProps<T extends Outcome>(outcome: T, body: RequestBody): T {
  const properties = optionalMap(body['properties-to-modify']);
  return properties ? { ...outcome, properties } : outcome;
}

const updateDisposition: Operation = (scope, body) => {
  const status = requiredString(body['disposition-status'], 'disposition-status');
  const makeOutcome = dispositions[status];
  if (!makeOutcome) throw argument('disposition-status');
  for (const token of listOf(body['lock-tokens'], 'lock-tokens')) {
    const { store, message, lock } = lockedMessage(scope, token);
    store.settle(message, lock, makeOutcome(body));
  }
  return ok();
};

const scheduleMessage: Operation = (scope, body) => {
  const target = needTarget(scope);
  const entries = listOf(body.messages, 'messages');
  const parsed = entries.map((entry) => {
    const raw = (entry as Record<string, unknown> | null)?.message;
    if (!Buffer.isBuffer(raw)) throw argument('messages');
    const m = parseMessage(Buffer.from(raw));
    if (m.scheduledEnqueueTime === undefined) throw argument('x-opt-scheduled-enqueue-time');
    return m;
  });
  const seqs = scope.ns.send(target, parsed);
  return ok({ 'sequence-numbers': types.wrap_array(seqs, 0x81, undefined) });
};

const cancelScheduled: Operation = (scope, body) => {
  const target = needTarget(scope);
  const seqs = listOf(body['sequence-numbers'], 'sequence-numbers').map((v) => toNumber(v, 'sequence-numbers'));
  scope.ns.cancelScheduled(target, seqs);
  return ok();
};

const receiveBySequenceNumber: Operation = (scope, body) => {
  const store = needStore(scope);
  const seqs = listOf(body['sequence-numbers'], 'sequence-numbers').map((v) => toNumber(v, 'sequence-numbers'));
  const receiveAndDelete = body['receiver-settle-mode'] === 0;
  const sessionId = optionalString(body['session-id']);
  if (sessionId !== undefined) store.sessions?.requireLocked(sessionId);
  const received = receiveDeferred(store, seqs, receiveAndDelete, sessionId);
  return ok({
    messages: received.map(({ message, lock }) => ({
      message: encodeStored(message, lock),
      ...(lock ? { 'lock-token': types.wrap_uuid(lock.token.bytes) } : {}),
    })),
  });
};

export const operations: Record<string, Operation> = {
  'com.microsoft:peek-message': peek,
  'com.microsoft:renew-lock': renewLock,
  'com.microsoft:update-disposition': updateDisposition,
  'com.microsoft:schedule-message': scheduleMessage,
  'com.microsoft:cancel-scheduled-message': cancelScheduled,
  'com.microsoft:receive-by-sequence-number': receiveBySequenceNumber,
  ...ruleOperations,
  ...sessionOperations(needStore),
};
