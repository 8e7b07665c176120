import { PermanentError } from '@parley/service-kit';

/**
 * Error codes of the notifier (docs/style.md §3). They are a contract: they appear
 * in logs, metrics and dead-letter reasons. Never reuse a retired code.
 * A permanent REST refusal dead-letters with reason `HTTP_<status>` instead, so
 * the DLQ tells at a glance what the service answered.
 */
export const NotifierErrorCodes = {
  /** 429, 5xx, network errors or timeouts outlasted the in-process retries; the broker redelivers. */
  restUnavailable: 'PARLEY_NOTIFIER_REST_UNAVAILABLE',
  /** The REST call did not answer within REQUEST_TIMEOUT_MS. */
  restTimeout: 'PARLEY_NOTIFIER_REST_TIMEOUT',
  /** The REST call failed below HTTP (refused, reset, DNS…). */
  restNetwork: 'PARLEY_NOTIFIER_REST_NETWORK',
} as const;

export type NotifierErrorCode = (typeof NotifierErrorCodes)[keyof typeof NotifierErrorCodes];

/** What the notifier does with one answer of the WebSocket service (either dialect). */
export type RestOutcomeKind = 'done' | 'gone' | 'retry' | 'dead-letter';

/**
 * THE table of the notifier's errors, with the HTTP status of the service's
 * answer beside each code (as fastify's lib/errors.js keeps one table): the
 * REST client classifies every answer with `outcomeOf` below and nowhere else.
 */
export const NOTIFIER_ERROR_TABLE = [
  { code: NotifierErrorCodes.restUnavailable, statuses: '408, 429, 5xx', outcome: 'retry' },
  { code: NotifierErrorCodes.restTimeout, statuses: 'none: no answer within REQUEST_TIMEOUT_MS', outcome: 'retry' },
  { code: NotifierErrorCodes.restNetwork, statuses: 'none: refused, reset, DNS, no Entra ID token', outcome: 'retry' },
  { code: 'HTTP_<status>', statuses: 'any other 4xx (404 only for sends to a user, a group or everyone)', outcome: 'dead-letter' },
  { code: '(none)', statuses: '404 on a connection\'s command', outcome: 'gone' },
  { code: '(none)', statuses: '2xx', outcome: 'done' },
] as const;

/** The one classification of an answer's status; `goneIsDone` for commands about one connection. */
export function outcomeOf(status: number, goneIsDone: boolean): RestOutcomeKind {
  if (status >= 200 && status < 300) return 'done';
  if (status === 404 && goneIsDone) return 'gone';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'dead-letter';
}

/** A failure that may pass later: thrown to the consumer, which abandons the message for redelivery. */
export class TransientRestError extends Error {
  readonly retryable = true;
  constructor(
    readonly code: NotifierErrorCode,
    message: string,
    readonly status?: number,
    readonly attempts?: number,
  ) {
    super(message);
    this.name = 'TransientRestError';
  }
}

/** Most of a response body that fits a dead-letter description. */
export const MAX_DESCRIPTION_CHARS = 1_024;

/** A 4xx the service will answer again however often it is asked: dead-letter with the status and body. */
export function rejectedError(status: number, body: string): PermanentError {
  const text = body.length > MAX_DESCRIPTION_CHARS ? `${body.slice(0, MAX_DESCRIPTION_CHARS)}…` : body;
  return new PermanentError(`HTTP_${status}`, text || `the service answered ${status} with no body`);
}
