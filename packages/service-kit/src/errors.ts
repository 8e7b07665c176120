/** Error codes of the shared infrastructure (docs/style.md §3). */
export const KitErrorCodes = {
  configInvalid: 'PARLEY_CONFIG_INVALID',
  /** A message that can never succeed: dead-letter it now, don't retry. */
  permanentFailure: 'PARLEY_PERMANENT_FAILURE',
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
