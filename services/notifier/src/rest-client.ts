import type { Logger } from '@parley/service-kit';
import type { RetryPolicy } from './config.js';
import { NotifierErrorCodes, outcomeOf, TransientRestError, rejectedError } from './errors.js';
import type { NotifierMetrics } from './metrics.js';
import { decideRetry } from './retry.js';
import type { Attempt, RestRequest, RestTransport } from '@parley/websocket-rest';

export interface RestClientOptions {
  /** How calls reach the service (@parley/websocket-rest): undici with seed or Web PubSub paths. */
  transport: RestTransport;
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

/**
 * The one retry path of every transport: in-process retries with full-jitter
 * back-off that honour `Retry-After`, a permanent 4xx as a PermanentError (the
 * consumer dead-letters it), a 404 on a connection's command as "gone".
 */
export function createRestClient(options: RestClientOptions): RestClient {
  const { transport, metrics, retry, requestTimeoutMs } = options;
  const interrupted = new AbortController();

  async function attempt(request: RestRequest): Promise<Attempt> {
    const stopTimer = metrics.restLatency.startTimer({ action: request.action });
    try {
      const result = await transport.attempt(request, requestTimeoutMs);
      metrics.restCalls.inc({ action: request.action, status: result.kind === 'answer' ? String(result.status) : result.cause });
      return result;
    } finally {
      stopTimer();
    }
  }

  async function call(request: RestRequest, logger: Logger): Promise<RestOutcome> {
    for (let attempts = 1; ; attempts++) {
      const result = await attempt(request);
      if (result.kind === 'answer') {
        const { status } = result;
        const outcome = outcomeOf(status, request.goneIsDone);
        if (outcome === 'done' || outcome === 'gone') return { kind: outcome, status, attempts };
        if (outcome === 'dead-letter') throw rejectedError(status, result.body);
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
    close: () => transport.close(),
  };
}

function giveUp(result: Attempt, attempts: number, why: string): TransientRestError {
  if (result.kind === 'answer') {
    return new TransientRestError(NotifierErrorCodes.restUnavailable, `the service answered ${result.status} (${why} after ${attempts} attempts)`, result.status, attempts);
  }
  const code = result.cause === 'timeout' ? NotifierErrorCodes.restTimeout : NotifierErrorCodes.restNetwork;
  return new TransientRestError(code, `${result.cause}: ${result.error.message} (${why} after ${attempts} attempts)`, undefined, attempts);
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
