/**
 * Error codes of the `parley` CLI (docs/style.md §3). Codes are a contract: scripts
 * may match on them, so never reuse a retired one.
 *
 * Exit codes: 0 success, 1 the command line or its input is wrong (nothing, or
 * nothing more, was changed), 2 a service is unreachable or failed.
 */
export const CliErrorCodes = {
  usage: 'PARLEY_CLI_USAGE',
  rangeInvalid: 'PARLEY_CLI_RANGE_INVALID',
  entityUnknown: 'PARLEY_CLI_ENTITY_UNKNOWN',
  configMissing: 'PARLEY_CLI_CONFIG_MISSING',
  configInvalid: 'PARLEY_CLI_CONFIG_INVALID',
  inputInvalid: 'PARLEY_CLI_INPUT_INVALID',
  serviceUnreachable: 'PARLEY_CLI_SERVICE_UNREACHABLE',
  serviceFailed: 'PARLEY_CLI_SERVICE_FAILED',
  /** `parley trace ID`: no kept trace has that trace, event or command id. */
  traceNotFound: 'PARLEY_CLI_TRACE_NOT_FOUND',
  /** `parley erase-user USER`: nothing of that user is stored (never seen, or already erased). */
  userUnknown: 'PARLEY_CLI_USER_UNKNOWN',
} as const;

export type CliErrorCode = (typeof CliErrorCodes)[keyof typeof CliErrorCodes];

export const ExitCodes = { ok: 0, usage: 1, service: 2 } as const;

const exitCodeOf: Record<CliErrorCode, number> = {
  PARLEY_CLI_USAGE: ExitCodes.usage,
  PARLEY_CLI_RANGE_INVALID: ExitCodes.usage,
  PARLEY_CLI_ENTITY_UNKNOWN: ExitCodes.usage,
  PARLEY_CLI_CONFIG_MISSING: ExitCodes.usage,
  PARLEY_CLI_CONFIG_INVALID: ExitCodes.usage,
  PARLEY_CLI_INPUT_INVALID: ExitCodes.usage,
  PARLEY_CLI_SERVICE_UNREACHABLE: ExitCodes.service,
  PARLEY_CLI_SERVICE_FAILED: ExitCodes.service,
  PARLEY_CLI_TRACE_NOT_FOUND: ExitCodes.usage,
  PARLEY_CLI_USER_UNKNOWN: ExitCodes.usage,
};

export class CliError extends Error {
  readonly exitCode: number;
  constructor(
    readonly code: CliErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCodeOf[code];
  }
}

export const usageError = (message: string) => new CliError(CliErrorCodes.usage, message);

export function isCliError(error: unknown): error is CliError {
  return error instanceof CliError;
}
