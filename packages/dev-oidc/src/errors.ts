/** Stable error codes of the local OpenID provider (docs/style.md §3). Never reuse one. */
export const DevOidcErrorCodes = {
  keysUnreadable: 'PARLEY_DEV_OIDC_KEYS_UNREADABLE',
  configInvalid: 'PARLEY_DEV_OIDC_CONFIG_INVALID',
} as const;

export type DevOidcErrorCode = (typeof DevOidcErrorCodes)[keyof typeof DevOidcErrorCodes];

export class DevOidcError extends Error {
  constructor(
    readonly code: DevOidcErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DevOidcError';
  }
}
