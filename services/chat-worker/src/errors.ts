/**
 * Error codes of the chat-worker (docs/style.md §3). They appear as dead-letter
 * reasons and in logs; chat rule rejections use the contracts' codes
 * (`PARLEY_NOT_MEMBER`, …) because clients see those.
 */
export const WorkerErrorCodes = {
  /** The event names a hub this worker does not serve (HUB). */
  hubMismatch: 'PARLEY_WORKER_HUB_MISMATCH',
  /** `metadata.receivedAt` is not a date: no key can be built from it. */
  badTimestamp: 'PARLEY_WORKER_BAD_TIMESTAMP',
  /** Table Storage refused a write with a 4xx that no retry can fix. */
  storeRejected: 'PARLEY_WORKER_STORE_REJECTED',
  /** Service Bus refused the notifier commands for good (e.g. too large). */
  publishRejected: 'PARLEY_WORKER_PUBLISH_REJECTED',
} as const;

export type WorkerErrorCode = (typeof WorkerErrorCodes)[keyof typeof WorkerErrorCodes];
