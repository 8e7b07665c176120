/**
 * Stable error codes of the page (docs/style.md §3). They show in the UI next to
 * the message and in the console, so a report can name them. Never reuse one.
 */
export const WebErrorCodes = {
  negotiateRejected: 'PARLEY_WEB_NEGOTIATE_REJECTED',
  negotiateFailed: 'PARLEY_WEB_NEGOTIATE_FAILED',
  negotiateInvalid: 'PARLEY_WEB_NEGOTIATE_INVALID',
  frameUnreadable: 'PARLEY_WEB_FRAME_UNREADABLE',
  nameInvalid: 'PARLEY_WEB_NAME_INVALID',
  configUnavailable: 'PARLEY_WEB_CONFIG_UNAVAILABLE',
  signInFailed: 'PARLEY_WEB_SIGN_IN_FAILED',
} as const;

export type WebErrorCode = (typeof WebErrorCodes)[keyof typeof WebErrorCodes];

export class WebError extends Error {
  readonly code: WebErrorCode;
  /** False when trying again cannot help (e.g. the gateway refused the name). */
  readonly retryable: boolean;
  constructor(code: WebErrorCode, message: string, retryable: boolean) {
    super(message);
    this.name = 'WebError';
    this.code = code;
    this.retryable = retryable;
  }
}
