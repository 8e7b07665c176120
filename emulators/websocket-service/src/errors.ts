import { EmulatorError as CodedEmulatorError } from '@parley/emulator-lib';

/**
 * Stable error codes of the SignalR emulator (docs/style.md §3). Codes are a
 * contract: they appear in logs, REST error bodies and handshake refusals.
 * Never reuse a retired code.
 */
export const ErrorCodes = {
  configInvalid: 'SIGNALR_CONFIG_INVALID',
  settingsInvalid: 'SIGNALR_SETTINGS_INVALID',
  settingsPersistFailed: 'SIGNALR_SETTINGS_PERSIST_FAILED',
  authMissing: 'SIGNALR_AUTH_MISSING',
  authInvalid: 'SIGNALR_AUTH_INVALID',
  authExpired: 'SIGNALR_AUTH_EXPIRED',
  authAudience: 'SIGNALR_AUTH_AUDIENCE',
  authSignature: 'SIGNALR_AUTH_SIGNATURE',
  notFound: 'SIGNALR_NOT_FOUND',
  methodNotAllowed: 'SIGNALR_METHOD_NOT_ALLOWED',
  bodyTooLarge: 'SIGNALR_BODY_TOO_LARGE',
  badRequest: 'SIGNALR_BAD_REQUEST',
  connectionNotFound: 'SIGNALR_CONNECTION_NOT_FOUND',
  upstreamNoTemplate: 'SIGNALR_UPSTREAM_NO_TEMPLATE',
  upstreamUnavailable: 'SIGNALR_UPSTREAM_UNAVAILABLE',
  upstreamRejected: 'SIGNALR_UPSTREAM_REJECTED',
  upstreamBadAnswer: 'SIGNALR_UPSTREAM_BAD_ANSWER',
  sendBufferFull: 'SIGNALR_SEND_BUFFER_FULL',
  clientAuth: 'SIGNALR_CLIENT_AUTH',
  protocolUnsupported: 'SIGNALR_PROTOCOL_UNSUPPORTED',
  eventHandlerFailed: 'SIGNALR_EVENT_HANDLER_FAILED',
  eventHandlerBadAnswer: 'SIGNALR_EVENT_HANDLER_BAD_ANSWER',
  badMessage: 'SIGNALR_BAD_MESSAGE',
  badFilter: 'SIGNALR_BAD_FILTER',
  unsupportedMediaType: 'SIGNALR_UNSUPPORTED_MEDIA_TYPE',
  apiVersion: 'SIGNALR_API_VERSION',
  /** The bin could not start for a reason with no code of its own (a port in use, a certificate it cannot read). */
  unexpected: 'SIGNALR_UNEXPECTED',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** The shared coded error, narrowed to this emulator's codes, with the HTTP status a REST reply or refusal carries. */
export class EmulatorError extends CodedEmulatorError<ErrorCode> {
  readonly status: number;

  constructor(code: ErrorCode, message: string, status = 500) {
    super(code, message);
    this.status = status;
  }
}

/** A configuration or settings problem; `field` is a path such as `upstream.templates[1].urlTemplate`. */
export class ConfigError extends EmulatorError {
  readonly field: string;

  constructor(field: string, message: string, code: ErrorCode = ErrorCodes.configInvalid) {
    super(code, `${field}: ${message}`, 400);
    this.name = 'ConfigError';
    this.field = field;
  }
}
