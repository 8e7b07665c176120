import { WebError, WebErrorCodes } from './errors.js';

export interface Negotiated {
  /** The complete WebSocket URL, access token included. */
  readonly url: string;
  readonly user: string;
  readonly expiresAt?: string;
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * Asks the gateway for a WebSocket URL. Called again on every reconnect
 * because tokens expire. A 4xx means the name or the token was refused (the
 * gateway says why): not retryable.
 */
export async function negotiate(fetchFn: FetchLike, name: string, path = '/api/negotiate', bearer?: string): Promise<Negotiated> {
  let response: Response;
  try {
    response = await fetchFn(path, {
      method: 'POST',
      // Signed in with OpenID Connect: the provider's access token; the gateway takes the user from it.
      headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      body: JSON.stringify({ name }),
      cache: 'no-store',
    });
  } catch (error) {
    throw new WebError(WebErrorCodes.negotiateFailed, `cannot reach the server: ${String(error)}`, true);
  }
  if (!response.ok) {
    const detail = await readErrorMessage(response);
    const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
    const code = retryable ? WebErrorCodes.negotiateFailed : WebErrorCodes.negotiateRejected;
    throw new WebError(code, `sign-in refused (${response.status})${detail ? `: ${detail}` : ''}`, retryable);
  }
  const body: unknown = await response.json().catch(() => undefined);
  if (!body || typeof body !== 'object') {
    throw new WebError(WebErrorCodes.negotiateInvalid, 'negotiate answered without a JSON body', true);
  }
  const { url, user, expiresAt } = body as Record<string, unknown>;
  if (typeof url !== 'string' || !/^wss?:\/\//.test(url)) {
    throw new WebError(WebErrorCodes.negotiateInvalid, 'negotiate answered without a WebSocket url', true);
  }
  return {
    url,
    user: typeof user === 'string' ? user : name,
    ...(typeof expiresAt === 'string' ? { expiresAt } : {}),
  };
}

async function readErrorMessage(response: Response): Promise<string> {
  try {
    const body: unknown = await response.json();
    if (body && typeof body === 'object' && 'message' in body && typeof body.message === 'string') return body.message;
  } catch {
    // Not JSON: the status alone has to do.
  }
  return '';
}
