import type { RestRequest } from './rest-requests.js';

/** What one attempt at a REST call came to: an HTTP answer, or a failure below HTTP. */
export type Attempt =
  | { readonly kind: 'answer'; readonly status: number; readonly body: string; readonly retryAfterMs: number | undefined }
  | { readonly kind: 'failure'; readonly cause: 'timeout' | 'network'; readonly error: Error };

/**
 * How one call reaches the WebSocket service, kept apart from the retry
 * policy, dead-lettering and gone-connection rules around it (rest-client.ts)
 * so those are the same for every dialect and can be tested against a
 * scripted stand-in. The one implementation is undici-transport.ts: seed paths
 * (docs/protocols.md §1) or Web PubSub paths (§2) over one undici Pool, with a
 * cached HS256 JWT per URL or a Microsoft Entra ID bearer.
 */
export interface RestTransport {
  /** One attempt, never retried here; must not throw. */
  attempt(request: RestRequest, timeoutMs: number): Promise<Attempt>;
  close(): Promise<void>;
}

/** Longest error body kept from an answer; enough for a dead-letter description. */
export const ERROR_BODY_LIMIT = 8 * 1024;
