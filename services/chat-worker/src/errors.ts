import { ErrorCodes } from '@parley/contracts';
import { PermanentError } from '@parley/service-kit';

/**
 * THE table of the chat-worker's own failures (docs/style.md §3): each is
 * permanent, so the consumer dead-letters the event at once with the code as
 * the reason (docs/style.md §8) — no retry can help. Every error that is not in
 * this table is retried: Table Storage or Service Bus unreachable, busy or timed
 * out (5xx, 429, 408, network, auth), rethrown as the SDK raised it; the event
 * is abandoned after the back-off of service.ts (retryDelayMs) and the broker
 * dead-letters it past the subscription's MaxDeliveryCount. Codes appear as
 * dead-letter reasons and in logs; never reuse a retired one. Chat rule
 * refusals are no failures: they use the contracts' codes (`PARLEY_NOT_MEMBER`,
 * …) in the error frame the client gets, and the event completes.
 */
export const WORKER_ERRORS = {
  /** The event names a hub this worker does not serve (HUB). */
  hubMismatch: { code: 'PARLEY_WORKER_HUB_MISMATCH' },
  /** `metadata.receivedAt` is not a date: no key can be built from it. */
  badTimestamp: { code: 'PARLEY_WORKER_BAD_TIMESTAMP' },
  /** Table Storage refused a write with a 4xx that no retry can fix (store/table-errors.ts). */
  storeRejected: { code: 'PARLEY_WORKER_STORE_REJECTED' },
  /** Service Bus refused the notifier commands for good (e.g. too large for a message). */
  publishRejected: { code: 'PARLEY_WORKER_PUBLISH_REJECTED' },
  /** The body is not a valid chat event: dead-lettered by the consumer before the worker sees it. */
  envelopeInvalid: { code: ErrorCodes.envelopeInvalid },
  envelopeUnknownType: { code: ErrorCodes.envelopeUnknownType },
  envelopeUnsupportedVersion: { code: ErrorCodes.envelopeUnsupportedVersion },
} as const satisfies Record<string, { code: string }>;

export type WorkerErrorName = keyof typeof WORKER_ERRORS;

/** The codes alone, by name. */
export const WorkerErrorCodes = Object.fromEntries(Object.entries(WORKER_ERRORS).map(([name, { code }]) => [name, code])) as {
  readonly [N in WorkerErrorName]: (typeof WORKER_ERRORS)[N]['code'];
};

/** The error to throw for a failure of the table: permanent, so the consumer dead-letters the event with the code as the reason. */
export function workerError(name: WorkerErrorName, description: string): PermanentError {
  return new PermanentError(WORKER_ERRORS[name].code, description);
}
