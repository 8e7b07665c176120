import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { Agent } from 'undici';
import { postToHandler, TargetCache, type HandlerAnswer } from '../upstream/http-target.js';
import { resolveHandler, type EventRef } from './routing.js';
import type { WebPubSubSettings } from './settings.js';

/** One CloudEvents call to a hub's event handler (docs/protocols.md §2, "Event handlers"). */
export interface EventCall {
  readonly hub: string;
  readonly connectionId: string;
  readonly userId: string | undefined;
  readonly event: EventRef;
  readonly subprotocol: string | undefined;
  /** The `ce-connectionState` the last blocking answer set, sent back as is. */
  readonly connectionState: string | undefined;
  /** `sha256=…,sha256=…` for this connection id, computed once per connection. */
  readonly signature: string;
  readonly contentType: string;
  readonly body: Buffer | string;
}

export type EventAnswer = HandlerAnswer;

export type EventOutcome =
  | { readonly kind: 'answer'; readonly url: string; readonly answer: EventAnswer }
  | { readonly kind: 'no-handler' }
  | { readonly kind: 'failed'; readonly url: string; readonly reason: string };

export interface EventClientOptions {
  readonly settings: () => WebPubSubSettings;
  /** `WebHook-Request-Origin`: the host (and port) of this service's endpoint. */
  readonly origin: () => string;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  /** Waits before the retries of a 408/5xx or unreachable handler; the service uses 1, 3 and 5 s. */
  readonly retryDelaysMs: readonly number[];
  /** How long a passed abuse-protection check of a handler origin holds before the next event checks again. */
  readonly abuseProtectionTtlMs: number;
  readonly logger: Logger;
}

/** A check of one handler origin: in flight or done, and when it started. */
interface OriginCheck {
  readonly result: Promise<string | undefined>;
  readonly startedAt: number;
}

function typeOf(event: EventRef): string {
  return 'system' in event ? `azure.webpubsub.sys.${event.system}` : `azure.webpubsub.user.${event.user}`;
}

function allowed(header: string | string[] | undefined, origin: string): boolean {
  const values = (Array.isArray(header) ? header : [header ?? '']).flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase());
  return values.includes('*') || values.includes(origin.toLowerCase());
}

/**
 * Makes the CloudEvents calls, with retries and the abuse-protection
 * handshake per handler origin. A passed check is not kept for ever: a
 * handler may change what it allows, and the service validates again, so a
 * pass holds for `abuseProtectionTtlMs` and is dropped at once when a call
 * to that origin cannot be made (the handler may have been replaced). A
 * failed check is repeated at the next event.
 */
export class EventClient {
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connections: 256 });
  private readonly validated = new Map<string, OriginCheck>();
  /** Parsed handler URLs (few: one per hub and event), so the per-frame path does not parse a URL. */
  private readonly targets = new TargetCache();
  private closed = false;

  constructor(private readonly options: EventClientOptions) {}

  /** Whether some handler takes this event (a connect without one is accepted as is). */
  handles(hub: string, event: EventRef): boolean {
    return resolveHandler(this.options.settings(), hub, event) !== undefined;
  }

  async call(call: EventCall): Promise<EventOutcome> {
    const url = resolveHandler(this.options.settings(), call.hub, call.event);
    if (url === undefined) return { kind: 'no-handler' };
    let reason = '';
    for (let attempt = 0; ; attempt++) {
      const outcome = await this.attempt(url, call);
      const retryable = outcome.kind === 'failed' || (outcome.kind === 'answer' && (outcome.answer.status === 408 || outcome.answer.status >= 500));
      const delay = this.options.retryDelaysMs[attempt];
      if (!retryable || delay === undefined || this.closed) return outcome;
      reason = outcome.kind === 'failed' ? outcome.reason : `status ${outcome.kind === 'answer' ? outcome.answer.status : ''}`;
      this.options.logger.info({ connectionId: call.connectionId, hub: call.hub, url, attempt: attempt + 1, reason, retryInMs: delay }, 'event handler call will be retried');
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.agent.close();
  }

  private async attempt(url: string, call: EventCall): Promise<EventOutcome> {
    const target = this.targets.get(url);
    const failure = await this.validate(target.origin, url);
    if (failure !== undefined) return { kind: 'failed', url, reason: failure };
    try {
      const answer = await postToHandler(this.agent, target, { headers: this.headers(call), body: call.body, timeoutMs: this.options.timeoutMs, maxBodyBytes: this.options.maxBodyBytes });
      return { kind: 'answer', url, answer };
    } catch (error) {
      this.forget(target.origin);
      return { kind: 'failed', url, reason: (error as Error).message };
    }
  }

  private forget(key: string): void {
    this.validated.delete(key);
  }

  /** The abuse-protection OPTIONS of the CloudEvents webhook spec; undefined when the handler allowed us. */
  private validate(key: string, url: string): Promise<string | undefined> {
    const now = Date.now();
    let check = this.validated.get(key);
    if (!check || now - check.startedAt >= this.options.abuseProtectionTtlMs) {
      if (check) this.options.logger.debug({ origin: key }, 'abuse protection: validating the handler origin again');
      const result = this.checkOrigin(url);
      const started: OriginCheck = { result, startedAt: now };
      check = started;
      this.validated.set(key, started);
      void result.then((failure) => {
        if (failure !== undefined && this.validated.get(key) === started) this.validated.delete(key);
      });
    }
    return check.result;
  }

  private async checkOrigin(url: string): Promise<string | undefined> {
    const target = this.targets.get(url);
    const origin = this.options.origin();
    try {
      const response = await this.agent.request({
        origin: target.origin,
        path: target.path,
        method: 'OPTIONS',
        headers: { 'webhook-request-origin': origin, 'ce-awpsversion': '1.0' },
        headersTimeout: this.options.timeoutMs,
        bodyTimeout: this.options.timeoutMs,
      });
      await response.body.dump();
      if (response.statusCode >= 200 && response.statusCode < 300 && allowed(response.headers['webhook-allowed-origin'], origin)) return undefined;
      return `abuse protection: ${url} answered OPTIONS with ${response.statusCode} and WebHook-Allowed-Origin ${JSON.stringify(response.headers['webhook-allowed-origin'] ?? null)}, not * or ${origin}`;
    } catch (error) {
      return `abuse protection: OPTIONS ${url} failed (${(error as Error).message})`;
    }
  }

  private headers(call: EventCall): Record<string, string> {
    const eventName = 'system' in call.event ? call.event.system : call.event.user;
    const headers: Record<string, string> = {
      'WebHook-Request-Origin': this.options.origin(),
      'ce-specversion': '1.0',
      'ce-awpsversion': '1.0',
      'ce-type': typeOf(call.event),
      'ce-source': `/hubs/${call.hub}/client/${call.connectionId}`,
      'ce-id': randomUUID(),
      'ce-time': new Date().toISOString(),
      'ce-hub': call.hub,
      'ce-connectionId': call.connectionId,
      'ce-eventName': eventName,
      'ce-signature': call.signature,
      'content-type': call.contentType,
    };
    if (call.userId !== undefined) headers['ce-userId'] = call.userId;
    if (call.subprotocol) headers['ce-subprotocol'] = call.subprotocol;
    if (call.connectionState) headers['ce-connectionState'] = call.connectionState;
    return headers;
  }
}
