import { ErrorCodes } from '@parley/contracts';
import { PermanentError } from '@parley/service-kit';

/**
 * What the consumer does with an event whose handling failed (docs/style.md §8):
 * - `dead-letter`: now, with the code as reason; no retry can help.
 * - `retry`: abandon after the back-off of service.ts (retryDelayMs); the broker
 *   dead-letters it past the subscription's MaxDeliveryCount. Every error that is not in
 *   the table below is retried: Table Storage or Service Bus unreachable, busy or timed
 *   out (5xx, 429, 408, network, auth), rethrown as the SDK raised it.
 */
export type Handling = 'dead-letter' | 'retry';

/**
 * THE table of the chat-worker's failures (docs/style.md §3; as fastify's lib/errors.js
 * keeps the status beside each code): each code with what happens to the event. Codes
 * appear as dead-letter reasons and in logs; never reuse a retired one. Chat rule
 * refusals are no failures: they use the contracts' codes (`PARLEY_NOT_MEMBER`, …) in
 * the error frame the client gets, and the event completes.
 */
export const WORKER_ERRORS = {
  /** The event names a hub this worker does not serve (HUB). */
  hubMismatch: { code: 'PARLEY_WORKER_HUB_MISMATCH', handling: 'dead-letter' },
  /** `metadata.receivedAt` is not a date: no key can be built from it. */
  badTimestamp: { code: 'PARLEY_WORKER_BAD_TIMESTAMP', handling: 'dead-letter' },
  /** Table Storage refused a write with a 4xx that no retry can fix (store/table-errors.ts). */
  storeRejected: { code: 'PARLEY_WORKER_STORE_REJECTED', handling: 'dead-letter' },
  /** Service Bus refused the notifier commands for good (e.g. too large for a message). */
  publishRejected: { code: 'PARLEY_WORKER_PUBLISH_REJECTED', handling: 'dead-letter' },
  /** The body is not a valid chat event: dead-lettered by the consumer before the worker sees it. */
  envelopeInvalid: { code: ErrorCodes.envelopeInvalid, handling: 'dead-letter' },
  envelopeUnknownType: { code: ErrorCodes.envelopeUnknownType, handling: 'dead-letter' },
  envelopeUnsupportedVersion: { code: ErrorCodes.envelopeUnsupportedVersion, handling: 'dead-letter' },
} as const satisfies Record<string, { code: string; handling: Handling }>;

export type WorkerErrorName = keyof typeof WORKER_ERRORS;

/** The codes alone, by name. */
export const WorkerErrorCodes = Object.fromEntries(Object.entries(WORKER_ERRORS).map(([name, { code }]) => [name, code])) as {
  readonly [N in WorkerErrorName]: (typeof WORKER_ERRORS)[N]['code'];
};

/** The error to throw for a failure of the table (all of which dead-letter): the table decides, never the throw site. */
export function workerError(name: WorkerErrorName, description: string): PermanentError {
  return new PermanentError(WORKER_ERRORS[name].code, description);
}
