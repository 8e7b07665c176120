import { Pool } from 'undici';
import type { Logger } from '@parley/service-kit';
import type { RetryPolicy } from './config.js';
import { NotifierErrorCodes, TransientRestError, rejectedError } from './errors.js';
import type { NotifierMetrics } from './metrics.js';
import { audienceOf, type RestRequest } from './rest-requests.js';
import { decideRetry, isRetryableStatus, parseRetryAfter } from './retry.js';
import { TokenCache } from './token-cache.js';

export interface RestClientOptions {
  /** `scheme://host[:port]` of the WebSocket service. */
  baseUrl: string;
  accessKey: string;
  /** Keep-alive connections in the pool. */
  connections: number;
  requestTimeoutMs: number;
  retry: RetryPolicy;
  metrics: NotifierMetrics;
  random?: () => number;
}

export type RestOutcome = { readonly kind: 'done' | 'gone'; readonly status: number; readonly attempts: number };

export interface RestClient {
  /** Makes the call, retrying transient failures; throws PermanentError or TransientRestError. */
  call(request: RestRequest, logger: Logger): Promise<RestOutcome>;
  /** Stops waiting between retries (shutdown): a call in back-off gives up with a transient error. */
  interrupt(): void;
  close(): Promise<void>;
}

type Attempt =
  | { readonly kind: 'answer'; readonly status: number; readonly body: string; readonly retryAfterMs: number | undefined }
  | { readonly kind: 'failure'; readonly cause: 'timeout' | 'network'; readonly error: Error };

/** Longest error body kept from an answer; enough for a dead-letter description. */
const ERROR_BODY_LIMIT = 8 * 1024;

/**
 * The REST client of the WebSocket service: one undici Pool with keep-alive to
 * the service, a cached JWT per URL, and in-process retries with full-jitter
 * back-off that honour `Retry-After`.
 */
export function createRestClient(options: RestClientOptions): RestClient {
  const { baseUrl, metrics, retry, requestTimeoutMs } = options;
  const pool = new Pool(baseUrl, {
    connections: options.connections,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 300_000,
    connect: { timeout: requestTimeoutMs },
  });
  const tokens = new TokenCache({ accessKey: options.accessKey });
  const interrupted = new AbortController();

  async function attempt(request: RestRequest): Promise<Attempt> {
    const token = await tokens.tokenFor(audienceOf(baseUrl, request.path));
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    const signal = AbortSignal.timeout(requestTimeoutMs);
    const stopTimer = metrics.restLatency.startTimer({ action: request.action });
    try {
      const response = await pool.request({ method: request.method, path: request.path, headers, body: request.body, signal });
      const ok = response.statusCode >= 200 && response.statusCode < 300;
      // Always consume the body, or the keep-alive socket is not reused.
      const body = ok ? '' : (await response.body.text()).slice(0, ERROR_BODY_LIMIT);
      if (ok) await response.body.dump();
      metrics.restCalls.inc({ action: request.action, status: String(response.statusCode) });
      return { kind: 'answer', status: response.statusCode, body, retryAfterMs: parseRetryAfter(response.headers['retry-after']) };
    } catch (error) {
      const cause = signal.aborted || isUndiciTimeout(error) ? 'timeout' : 'network';
      metrics.restCalls.inc({ action: request.action, status: cause });
      return { kind: 'failure', cause, error: error instanceof Error ? error : new Error(String(error)) };
    } finally {
      stopTimer();
    }
  }

  async function call(request: RestRequest, logger: Logger): Promise<RestOutcome> {
    for (let attempts = 1; ; attempts++) {
      const result = await attempt(request);
      if (result.kind === 'answer') {
        const { status } = result;
        if (status >= 200 && status < 300) return { kind: 'done', status, attempts };
        if (status === 404 && request.goneIsDone) return { kind: 'gone', status, attempts };
        if (!isRetryableStatus(status)) throw rejectedError(status, result.body);
      }
      const retryAfterMs = result.kind === 'answer' ? result.retryAfterMs : undefined;
      const cause = result.kind === 'answer' ? String(result.status) : result.cause;
      const decision = decideRetry(attempts, retryAfterMs, retry, options.random);
      const detail = result.kind === 'answer' ? { status: result.status, body: result.body.slice(0, 200) } : { cause, err: result.error };
      if (!decision.retry || interrupted.signal.aborted) {
        throw giveUp(result, attempts, decision.retry ? 'shutting down' : decision.why);
      }
      logger.warn({ action: request.action, attempt: attempts, delayMs: decision.delayMs, retryAfterMs, ...detail }, 'REST call failed; retrying');
      metrics.retries.inc({ action: request.action, cause });
      if (!(await pause(decision.delayMs, interrupted.signal))) throw giveUp(result, attempts, 'shutting down');
    }
  }

  return {
    call,
    interrupt: () => interrupted.abort(),
    close: () => pool.close(),
  };
}

function giveUp(result: Attempt, attempts: number, why: string): TransientRestError {
  if (result.kind === 'answer') {
    return new TransientRestError(NotifierErrorCodes.restUnavailable, `the service answered ${result.status} (${why} after ${attempts} attempts)`, result.status, attempts);
  }
  const code = result.cause === 'timeout' ? NotifierErrorCodes.restTimeout : NotifierErrorCodes.restNetwork;
  return new TransientRestError(code, `${result.cause}: ${result.error.message} (${why} after ${attempts} attempts)`, undefined, attempts);
}

function isUndiciTimeout(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
}

/** Sleeps; resolves false when interrupted first. */
function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
