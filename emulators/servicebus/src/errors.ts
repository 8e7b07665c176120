import { EmulatorError as CodedEmulatorError } from '@parley/emulator-lib';

/**
 * Stable error codes of the Service Bus emulator (docs/style.md §3). Codes are a
 * contract: never reuse a retired one.
 *
 * Two families:
 * - `EmulatorError`: start-up and operator errors (bad arguments, bad config,
 *   unreadable journal). They stop the process with a message naming the field.
 * - `BrokerError`: an AMQP condition sent back to a client (link detach,
 *   delivery outcome or `$management` status). Never fatal for the broker.
 */

export type EmulatorErrorCode =
  | 'SBEMU_ARGS_INVALID'
  | 'SBEMU_CONFIG_UNREADABLE'
  | 'SBEMU_CONFIG_INVALID'
  | 'SBEMU_JOURNAL_IO'
  | 'SBEMU_LISTEN_FAILED';

/** The shared start-up error (the bin's fatal line carries its code), narrowed to this emulator's codes. */
export class EmulatorError extends CodedEmulatorError<EmulatorErrorCode> {}

/** AMQP error conditions that the @azure/service-bus SDK maps to its error codes. */
export const Condition = {
  notFound: 'amqp:not-found',
  notAllowed: 'amqp:not-allowed',
  notImplemented: 'amqp:not-implemented',
  internalError: 'amqp:internal-error',
  decodeError: 'amqp:decode-error',
  invalidField: 'amqp:invalid-field',
  messageSizeExceeded: 'amqp:link:message-size-exceeded',
  messageLockLost: 'com.microsoft:message-lock-lost',
  sessionLockLost: 'com.microsoft:session-lock-lost',
  sessionCannotBeLocked: 'com.microsoft:session-cannot-be-locked',
  messageNotFound: 'com.microsoft:message-not-found',
  timeout: 'com.microsoft:timeout',
  argumentError: 'com.microsoft:argument-error',
  entityAlreadyExists: 'com.microsoft:entity-already-exists',
} as const;
export type ConditionName = (typeof Condition)[keyof typeof Condition];

/** HTTP-like status that `$management` replies carry for each condition. */
const statusOf: Record<ConditionName, number> = {
  [Condition.notFound]: 404,
  [Condition.notAllowed]: 400,
  [Condition.notImplemented]: 501,
  [Condition.internalError]: 500,
  [Condition.decodeError]: 400,
  [Condition.invalidField]: 400,
  [Condition.messageSizeExceeded]: 403,
  [Condition.messageLockLost]: 410,
  [Condition.sessionLockLost]: 410,
  [Condition.sessionCannotBeLocked]: 410,
  [Condition.messageNotFound]: 404,
  [Condition.timeout]: 408,
  [Condition.argumentError]: 400,
  [Condition.entityAlreadyExists]: 409,
};

export class BrokerError extends Error {
  override readonly name = 'BrokerError';
  constructor(
    readonly condition: ConditionName,
    readonly description: string,
  ) {
    super(description);
  }

  get status(): number {
    return statusOf[this.condition];
  }

  /** The AMQP `error` composite for a detach or a delivery outcome. */
  toAmqp(): { condition: string; description: string } {
    return { condition: this.condition, description: this.description };
  }
}

export function entityNotFound(fullAddress: string): BrokerError {
  // The SDK recognises this sentence and reports MessagingEntityNotFound.
  return new BrokerError(
    Condition.notFound,
    `The messaging entity '${fullAddress}' could not be found. To know more visit https://aka.ms/sbResourceMgrExceptions.`,
  );
}

export function lockLost(): BrokerError {
  return new BrokerError(
    Condition.messageLockLost,
    'The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.',
  );
}

export function asBrokerError(err: unknown): BrokerError {
  if (err instanceof BrokerError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new BrokerError(Condition.internalError, message);
}
