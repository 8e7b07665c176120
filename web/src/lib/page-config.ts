import { WebError, WebErrorCodes } from './errors.js';
import type { FetchLike } from './negotiate.js';

/** How the page signs in, as the gateway says (`GET /api/config`): one build serves every environment. */
export type PageConfig =
  | { readonly auth: 'development' }
  | { readonly auth: 'oidc'; readonly authority: string; readonly clientId: string; readonly scopes: string };

/** Reads and checks the gateway's sign-in settings. */
export async function loadPageConfig(fetchFn: FetchLike, path = '/api/config'): Promise<PageConfig> {
  let body: unknown;
  try {
    const response = await fetchFn(path, { method: 'GET', cache: 'no-store' });
    if (!response.ok) throw new Error(`status ${response.status}`);
    body = await response.json();
  } catch (error) {
    throw new WebError(WebErrorCodes.configUnavailable, `cannot read the sign-in settings: ${String(error)}`, true);
  }
  const value = (body ?? {}) as Record<string, unknown>;
  if (value.auth === 'development') return { auth: 'development' };
  const { authority, clientId, scopes } = value;
  if (value.auth === 'oidc' && typeof authority === 'string' && /^https?:\/\//.test(authority) && typeof clientId === 'string' && clientId && typeof scopes === 'string') {
    return { auth: 'oidc', authority, clientId, scopes };
  }
  throw new WebError(WebErrorCodes.configUnavailable, 'the gateway sent sign-in settings the page does not understand', false);
}
