/** Error codes of the shared infrastructure (docs/style.md §3). */
export const KitErrorCodes = {
  configInvalid: 'PARLEY_CONFIG_INVALID',
  /** A message that can never succeed: dead-letter it now, don't retry. */
  permanentFailure: 'PARLEY_PERMANENT_FAILURE',
  /** The consumer met a broker error no retry can fix (wrong key, missing entity) and stopped. */
  consumerStopped: 'PARLEY_CONSUMER_STOPPED',
  /** Building or starting the service failed (a port in use, the broker unreachable at start). */
  startFailed: 'PARLEY_START_FAILED',
  /** An uncaught exception or unhandled rejection: the process shuts down in order and exits. */
  processFault: 'PARLEY_PROCESS_FAULT',
} as const;

/**
 * Exit codes of every Parley service (packages/service-kit/README.md). 0 after an
 * ordered shutdown; 1 when the process ran and failed (start failure, a failed
 * shutdown step, an uncaught fault); 2 when it never started because a
 * configuration value is wrong, so restarting cannot help until the value changes.
 */
export const ExitCodes = {
  ok: 0,
  failure: 1,
  configInvalid: 2,
} as const;

/** A configuration value that is missing or malformed; the message names the variable. */
export class ConfigError extends Error {
  readonly code = KitErrorCodes.configInvalid;
  constructor(readonly variable: string, reason: string) {
    super(`${variable}: ${reason}`);
    this.name = 'ConfigError';
  }
}

/**
 * Thrown by a message handler when retrying cannot help (a 4xx from a REST
 * call, a rule that can never pass). The consumer dead-letters with `reason`.
 */
export class PermanentError extends Error {
  readonly retryable = false;
  constructor(readonly reason: string, description: string) {
    super(description);
    this.name = 'PermanentError';
  }
}

export function isPermanent(error: unknown): error is PermanentError {
  return error instanceof PermanentError || (typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === false);
}
