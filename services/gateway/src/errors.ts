import { ErrorCodes, type CodedError } from '@parley/contracts';

/**
 * Codes only the gateway answers with (docs/style.md §3). Frame, auth and bus codes
 * are the shared ones of @parley/contracts, so error acks carry the same codes
 * everywhere. Never reuse a retired code.
 */
export const GatewayErrorCodes = {
  eventMismatch: 'PARLEY_GATEWAY_EVENT_MISMATCH',
  eventUnknown: 'PARLEY_GATEWAY_EVENT_UNKNOWN',
  hubUnknown: 'PARLEY_GATEWAY_HUB_UNKNOWN',
  userMissing: 'PARLEY_GATEWAY_USER_MISSING',
  nameInvalid: 'PARLEY_GATEWAY_NAME_INVALID',
  bodyInvalid: 'PARLEY_GATEWAY_BODY_INVALID',
  bodyTooLarge: 'PARLEY_GATEWAY_BODY_TOO_LARGE',
  messageTooLarge: 'PARLEY_GATEWAY_MESSAGE_TOO_LARGE',
  originNotAllowed: 'PARLEY_GATEWAY_ORIGIN_NOT_ALLOWED',
  handlerUnauthorized: 'PARLEY_GATEWAY_HANDLER_UNAUTHORIZED',
  serviceUnavailable: 'PARLEY_GATEWAY_SERVICE_UNAVAILABLE',
  webNotBuilt: 'PARLEY_GATEWAY_WEB_NOT_BUILT',
  jwksUnavailable: 'PARLEY_GATEWAY_JWKS_UNAVAILABLE',
  notFound: 'PARLEY_GATEWAY_NOT_FOUND',
  internal: 'PARLEY_GATEWAY_INTERNAL',
} as const;

export type GatewayErrorCode = (typeof GatewayErrorCodes)[keyof typeof GatewayErrorCodes];
export type AnyErrorCode = GatewayErrorCode | (typeof ErrorCodes)[keyof typeof ErrorCodes];

/**
 * THE table of the gateway's HTTP answers: each code with its status, decided
 * here once (as fastify's lib/errors.js does) and never at a throw site. Codes
 * that only ever travel inside an error ack (frame checks, rate limit, a frame
 * too large for a bus batch) answer 200 with the ack and are not listed.
 */
export const HTTP_STATUS = {
  [ErrorCodes.signatureMissing]: 401,
  [ErrorCodes.signatureInvalid]: 401,
  [ErrorCodes.tokenMissing]: 401,
  [ErrorCodes.tokenInvalid]: 401,
  [GatewayErrorCodes.handlerUnauthorized]: 401,
  [ErrorCodes.headerMissing]: 400,
  [ErrorCodes.subprotocolMissing]: 400,
  [ErrorCodes.eventBodyInvalid]: 400,
  [GatewayErrorCodes.eventMismatch]: 400,
  [GatewayErrorCodes.eventUnknown]: 400,
  [GatewayErrorCodes.hubUnknown]: 400,
  [GatewayErrorCodes.userMissing]: 400,
  [GatewayErrorCodes.nameInvalid]: 400,
  [GatewayErrorCodes.bodyInvalid]: 400,
  [GatewayErrorCodes.originNotAllowed]: 403,
  [GatewayErrorCodes.notFound]: 404,
  [GatewayErrorCodes.bodyTooLarge]: 413,
  [GatewayErrorCodes.internal]: 500,
  [ErrorCodes.busUnavailable]: 503,
  [GatewayErrorCodes.serviceUnavailable]: 503,
  [GatewayErrorCodes.webNotBuilt]: 503,
  [GatewayErrorCodes.jwksUnavailable]: 503,
} as const satisfies Partial<Record<AnyErrorCode, number>>;

export type HttpErrorCode = keyof typeof HTTP_STATUS;

/** Codes answered inside an error ack (200), never as an HTTP status: listed so the README table is complete. */
export const ACK_ONLY_CODES = [
  ErrorCodes.frameTooLarge,
  ErrorCodes.frameNotJson,
  ErrorCodes.frameNotObject,
  ErrorCodes.frameForbiddenKey,
  ErrorCodes.frameMissingId,
  ErrorCodes.frameUnknownType,
  ErrorCodes.frameInvalid,
  ErrorCodes.frameBinary,
  ErrorCodes.textEmpty,
  ErrorCodes.textTooLong,
  ErrorCodes.rateLimited,
  GatewayErrorCodes.messageTooLarge,
] as const;

export function isHttpErrorCode(code: string): code is HttpErrorCode {
  return Object.prototype.hasOwnProperty.call(HTTP_STATUS, code);
}

/** An error that meets HTTP: a code of the table and a message; the status comes from the table. */
export class GatewayError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: HttpErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GatewayError';
    this.statusCode = HTTP_STATUS[code];
  }

  /** A contracts result error (token, header checks) as an HTTP answer; a code missing from the table is a bug, answered 500. */
  static from(error: CodedError): GatewayError {
    if (isHttpErrorCode(error.code)) return new GatewayError(error.code, error.message);
    return new GatewayError(GatewayErrorCodes.internal, `unmapped error code ${error.code}: ${error.message}`);
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

/** One message that does not fit an empty bus batch: its sender gets the error ack PARLEY_GATEWAY_MESSAGE_TOO_LARGE, not a 503. */
export class MessageTooLargeError extends Error {
  readonly code = GatewayErrorCodes.messageTooLarge;
  constructor() {
    super('the message does not fit into an empty batch');
    this.name = 'MessageTooLargeError';
  }
}
