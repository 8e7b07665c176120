import { Agent } from 'undici';
import type { Logger } from 'pino';
import { postToHandler, TargetCache, type HandlerAnswer } from './http-target.js';
import { signatureHeader } from './signature.js';
import { categoryOf, type CompiledSettings, type UpstreamEvent } from './templates.js';

/** What one upstream call carries besides the event; headers are X-ASRS-* (docs/protocols.md §1). */
export interface UpstreamCall {
  readonly event: UpstreamEvent;
  readonly hub: string;
  readonly connectionId: string;
  readonly userId?: string | undefined;
  readonly claims?: string | undefined;
  /** Raw query string of the client, without `?` (connect only). */
  readonly clientQuery?: string | undefined;
  /** The client's Sec-WebSocket-Protocol header as offered (connect only). */
  readonly subprotocols?: string | undefined;
  readonly body?: Buffer | undefined;
  readonly binary?: boolean | undefined;
  /** X-ASRS-Signature computed earlier for this connection id (saves two HMACs per frame). */
  readonly signature?: string | undefined;
}

export type UpstreamAnswer = HandlerAnswer;

export type UpstreamOutcome =
  | { readonly kind: 'answer'; readonly url: string; readonly answer: UpstreamAnswer }
  | { readonly kind: 'no-template' }
  | { readonly kind: 'failed'; readonly url: string; readonly reason: string };

export interface UpstreamClientOptions {
  readonly settings: () => CompiledSettings;
  readonly accessKeys: readonly string[];
  readonly connectTimeoutMs: number;
  readonly messageTimeoutMs: number;
  /** Larger answers are treated as failures rather than delivered. */
  readonly maxBodyBytes: number;
  readonly logger: Logger;
}

/** Makes the upstream HTTP calls over a keep-alive pool per origin. */
export class UpstreamClient {
  private readonly agent: Agent;
  private readonly targets = new TargetCache();

  constructor(private readonly options: UpstreamClientOptions) {
    this.agent = new Agent({
      keepAliveTimeout: 30_000,
      connections: 256,
      connect: { timeout: Math.max(options.connectTimeoutMs, options.messageTimeoutMs) },
    });
  }

  signature(connectionId: string): string {
    return signatureHeader(connectionId, this.options.accessKeys);
  }

  async call(call: UpstreamCall): Promise<UpstreamOutcome> {
    const url = this.options.settings().resolve(call.hub, call.event);
    if (url === undefined) return { kind: 'no-template' };
    const target = this.targets.get(url);
    const timeoutMs = call.event === 'connect' ? this.options.connectTimeoutMs : this.options.messageTimeoutMs;
    try {
      const answer = await postToHandler(this.agent, target, { headers: this.headers(call), body: call.body ?? '', timeoutMs, maxBodyBytes: this.options.maxBodyBytes });
      return { kind: 'answer', url, answer };
    } catch (error) {
      const code = (error as { code?: string }).code;
      const timedOut = code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT';
      return { kind: 'failed', url, reason: timedOut ? `no answer within ${timeoutMs} ms` : (error as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private headers(call: UpstreamCall): Record<string, string> {
    const headers: Record<string, string> = {
      'x-asrs-hub': call.hub,
      'x-asrs-category': categoryOf(call.event),
      'x-asrs-event': call.event,
      'x-asrs-connection-id': call.connectionId,
      'x-asrs-signature': call.signature ?? signatureHeader(call.connectionId, this.options.accessKeys),
    };
    if (call.userId) headers['x-asrs-user-id'] = call.userId;
    if (call.claims) headers['x-asrs-user-claims'] = call.claims;
    if (call.event === 'connect') {
      headers['x-asrs-client-query'] = call.clientQuery ?? '';
      headers['x-asrs-client-query-string'] = call.clientQuery ?? '';
      if (call.subprotocols) headers['sec-websocket-protocol'] = call.subprotocols;
    }
    if (call.body) headers['content-type'] = call.binary ? 'application/octet-stream' : 'text/plain';
    return headers;
  }
}

