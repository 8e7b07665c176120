import { ErrorCodes, type CodedError } from '@parley/contracts';

/**
 * Codes only the gateway answers with (docs/style.md §3). Frame, auth and bus codes
 * are the shared ones of @parley/contracts, so error acks carry the same codes
 * everywhere. Never reuse a retired code.
 */
export const GatewayErrorCodes = {
  eventMismatch: 'PARLEY_GATEWAY_EVENT_MISMATCH',
  hubUnknown: 'PARLEY_GATEWAY_HUB_UNKNOWN',
  userMissing: 'PARLEY_GATEWAY_USER_MISSING',
  nameInvalid: 'PARLEY_GATEWAY_NAME_INVALID',
  bodyInvalid: 'PARLEY_GATEWAY_BODY_INVALID',
  bodyTooLarge: 'PARLEY_GATEWAY_BODY_TOO_LARGE',
  messageTooLarge: 'PARLEY_GATEWAY_MESSAGE_TOO_LARGE',
  webNotBuilt: 'PARLEY_GATEWAY_WEB_NOT_BUILT',
  jwksUnavailable: 'PARLEY_GATEWAY_JWKS_UNAVAILABLE',
  notFound: 'PARLEY_GATEWAY_NOT_FOUND',
  internal: 'PARLEY_GATEWAY_INTERNAL',
} as const;

export type GatewayErrorCode = (typeof GatewayErrorCodes)[keyof typeof GatewayErrorCodes];
export type AnyErrorCode = GatewayErrorCode | (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** An error that meets HTTP: code, message and status. The error handler answers `{code, message}`. */
export class GatewayError extends Error {
  constructor(
    readonly code: AnyErrorCode,
    message: string,
    readonly statusCode: number,
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  static from(error: CodedError, statusCode: number): GatewayError {
    return new GatewayError(error.code, error.message, statusCode);
  }
}

/** The bus did not accept a send (down, timed out, closed): the caller answers 503. */
export class BusUnavailableError extends Error {
  readonly code = ErrorCodes.busUnavailable;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BusUnavailableError';
  }
}
