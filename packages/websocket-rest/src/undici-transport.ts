import { withDeadline } from '@parley/service-kit';
import { Pool } from 'undici';
import { audienceOf } from './rest-requests.js';
import { parseRetryAfter } from './retry-after.js';
import { TokenCache } from './token-cache.js';
import { ERROR_BODY_LIMIT, type RestTransport } from './transport.js';

export interface UndiciTransportOptions {
  /** `scheme://host[:port]` of the WebSocket service. */
  baseUrl: string;
  /** The access key the JWTs are signed with; or `bearer` for Microsoft Entra ID. */
  accessKey?: string;
  /** The `Authorization` bearer token for a call's audience, when not signed with a key (entra-token.ts). */
  bearer?: (audience: string) => Promise<string>;
  /** Keep-alive connections in the pool. */
  connections: number;
  connectTimeoutMs: number;
}

/**
 * REST calls over one undici Pool with keep-alive, each with a bearer token:
 * a JWT (HS256 with the access key, `aud` = the URL without query, cached per
 * URL) in both dialects, or a Microsoft Entra ID token for Web PubSub without
 * a key. Which paths are called is the request mapper's business
 * (rest-requests.ts).
 */
export function createUndiciTransport(options: UndiciTransportOptions): RestTransport {
  const { baseUrl } = options;
  const pool = new Pool(baseUrl, {
    connections: options.connections,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 300_000,
    connect: { timeout: options.connectTimeoutMs },
  });
  const tokens = options.accessKey ? new TokenCache({ accessKey: options.accessKey }) : undefined;
  const bearer = options.bearer ?? ((audience: string) => tokens!.tokenFor(audience));
  if (!tokens && !options.bearer) throw new Error('the undici transport needs an access key or a bearer token source');
  return {
    async attempt(request, timeoutMs) {
      let token: string;
      try {
        token = await bearer(audienceOf(baseUrl, request.path));
      } catch (error) {
        // No token (Entra ID unreachable): a failure below HTTP, retried like one.
        return { kind: 'failure', cause: 'network', error: error instanceof Error ? error : new Error(String(error)) };
      }
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      if (request.body !== undefined) headers['content-type'] = 'application/json';
      return withDeadline(timeoutMs, async (signal) => {
        try {
          const response = await pool.request({ method: request.method, path: request.path, headers, body: request.body, signal });
          const ok = response.statusCode >= 200 && response.statusCode < 300;
          // Always consume the body, or the keep-alive socket is not reused.
          const body = ok ? '' : (await response.body.text()).slice(0, ERROR_BODY_LIMIT);
          if (ok) await response.body.dump();
          return { kind: 'answer', status: response.statusCode, body, retryAfterMs: parseRetryAfter(response.headers['retry-after']) };
        } catch (error) {
          const cause = signal.aborted || isUndiciTimeout(error) ? 'timeout' : 'network';
          return { kind: 'failure', cause, error: error instanceof Error ? error : new Error(String(error)) };
        }
      });
    },
    close: () => pool.close(),
  };
}

function isUndiciTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}
