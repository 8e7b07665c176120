import { UserManager, WebStorageStateStore, type User } from 'oidc-client-ts';
import { WebError, WebErrorCodes } from './errors.js';

export interface OidcSettings {
  readonly authority: string;
  readonly clientId: string;
  readonly scopes: string;
}

/** Who is signed in, as the page shows it. */
export interface SignedIn {
  /** The `sub` of the ID token; the chat's user id comes from the gateway (hello frame). */
  readonly subject: string;
  /** `name`, else `preferred_username`, else `sub`. */
  readonly displayName: string;
}

/**
 * The page's OpenID Connect session: authorization code with PKCE through
 * oidc-client-ts, the user kept in sessionStorage (one tab's sign-in), and
 * renewal with the refresh token shortly before the access token expires (no
 * iframe, so the strict CSP and frame-ancestors 'none' stay as they are).
 * The redirect URI is the page itself (`<origin>/`), which finishes the
 * sign-in when it finds `code` and `state` in its URL.
 */
export class OidcSession {
  readonly #manager: UserManager;
  readonly #location: Location;
  readonly #history: History;

  constructor(settings: OidcSettings, options: { location?: Location; history?: History; storage?: Storage } = {}) {
    this.#location = options.location ?? window.location;
    this.#history = options.history ?? window.history;
    const home = `${this.#location.origin}/`;
    this.#manager = new UserManager({
      authority: settings.authority,
      client_id: settings.clientId,
      redirect_uri: home,
      post_logout_redirect_uri: home,
      response_type: 'code',
      scope: settings.scopes,
      loadUserInfo: false,
      automaticSilentRenew: true,
      userStore: new WebStorageStateStore({ store: options.storage ?? window.sessionStorage }),
      stateStore: new WebStorageStateStore({ store: options.storage ?? window.sessionStorage }),
    });
  }

  /**
   * Finishes a sign-in the provider sent the browser back from, if that is
   * what this page load is, then returns the signed-in user (renewing an
   * expired access token first), or undefined.
   */
  async resume(): Promise<SignedIn | undefined> {
    const params = new URLSearchParams(this.#location.search);
    if (params.has('state') && (params.has('code') || params.has('error'))) {
      try {
        await this.#manager.signinRedirectCallback(this.#location.href);
      } catch (error) {
        throw new WebError(WebErrorCodes.signInFailed, `sign-in did not complete: ${messageOf(error)}`, false);
      } finally {
        // The code is single-use: never leave it in the address bar or the history.
        this.#history.replaceState(null, '', '/');
      }
    }
    let user = await this.#manager.getUser();
    if (user?.expired) user = await this.#manager.signinSilent().catch(() => null);
    return user ? signedIn(user) : undefined;
  }

  /** The access token for negotiate; the current one, since renewal replaces it. */
  async accessToken(): Promise<string | undefined> {
    const user = await this.#manager.getUser();
    return user && !user.expired ? user.access_token : undefined;
  }

  signIn(): Promise<void> {
    return this.#manager.signinRedirect();
  }

  /** Forgets the tokens here, revokes the refresh token, and ends the session at the provider. */
  async signOut(): Promise<void> {
    await this.#manager.revokeTokens(['refresh_token']).catch(() => undefined);
    const user = await this.#manager.getUser();
    await this.#manager.removeUser();
    await this.#manager.signoutRedirect(user?.id_token ? { id_token_hint: user.id_token } : {});
  }

  /** Called with each renewal outcome (the page shows a failure). */
  onRenewal(listener: (error?: string) => void): () => void {
    const loaded = () => listener();
    const failed = (error: Error) => listener(error.message);
    this.#manager.events.addUserLoaded(loaded);
    this.#manager.events.addSilentRenewError(failed);
    return () => {
      this.#manager.events.removeUserLoaded(loaded);
      this.#manager.events.removeSilentRenewError(failed);
    };
  }
}

function signedIn(user: User): SignedIn {
  const profile = user.profile;
  const display = [profile.name, profile.preferred_username, profile.sub].find((v) => typeof v === 'string' && v.trim() !== '');
  return { subject: profile.sub, displayName: String(display) };
}

function messageOf(error: unknown): string {
  if (error && typeof error === 'object') {
    const e = error as { error_description?: unknown; message?: unknown };
    if (typeof e.error_description === 'string' && e.error_description) return e.error_description;
    if (typeof e.message === 'string') return e.message;
  }
  return String(error);
}
