import { WebError, WebErrorCodes } from './errors.js';
import type { FetchLike } from './negotiate.js';
import { OidcSession, type SignedIn } from './oidc-session.js';
import { loadPageConfig } from './page-config.js';
import { readName } from './sign-in.js';

/** What the page shows first. */
export type Boot =
  | { readonly kind: 'development'; readonly name?: string }
  | { readonly kind: 'oidc'; readonly session: OidcSession; readonly user?: SignedIn; readonly problem?: string }
  | { readonly kind: 'failed'; readonly problem: string };

/**
 * Asks the gateway how to sign in, then: development → the name from the URL
 * (`/api/home?name=…`); oidc → finish a sign-in the provider sent the browser
 * back from, or the user this tab already signed in.
 */
export async function boot(fetchFn: FetchLike, location: Location = window.location): Promise<Boot> {
  try {
    const config = await loadPageConfig(fetchFn);
    if (config.auth === 'development') {
      const name = readName(location.search);
      return { kind: 'development', ...(name ? { name } : {}) };
    }
    const session = new OidcSession(config);
    try {
      const user = await session.resume();
      return { kind: 'oidc', session, ...(user ? { user } : {}) };
    } catch (error) {
      return { kind: 'oidc', session, problem: describe(error) };
    }
  } catch (error) {
    return { kind: 'failed', problem: describe(error) };
  }
}

export function describe(error: unknown): string {
  if (error instanceof WebError) return `${error.message} [${error.code}]`;
  return `${String(error)} [${WebErrorCodes.signInFailed}]`;
}
