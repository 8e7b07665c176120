import { Agent } from 'undici';
import type { Logger } from 'pino';
import { signatureHeader } from './signature.js';
import { categoryOf, type CompiledSettings, type UpstreamEvent } from './templates.js';

/** What one upstream call carries besides the event; headers are X-ASRS-* (PROTOCOLS.md §1). */
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
}

export interface UpstreamAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

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

interface Target {
  readonly origin: string;
  readonly path: string;
}

/** Makes the upstream HTTP calls over a keep-alive pool per origin. */
export class UpstreamClient {
  private readonly agent = new Agent({ keepAliveTimeout: 30_000, connections: 256 });
  private readonly targets = new Map<string, Target>();

  constructor(private readonly options: UpstreamClientOptions) {}

  async call(call: UpstreamCall): Promise<UpstreamOutcome> {
    const url = this.options.settings().resolve(call.hub, call.event);
    if (url === undefined) return { kind: 'no-template' };
    const target = this.target(url);
    const timeoutMs = call.event === 'connect' ? this.options.connectTimeoutMs : this.options.messageTimeoutMs;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    try {
      const response = await this.agent.request({
        origin: target.origin,
        path: target.path,
        method: 'POST',
        headers: this.headers(call),
        body: call.body ?? '',
        signal: abort.signal,
        headersTimeout: 0,
        bodyTimeout: 0,
      });
      const body = await readLimited(response.body, this.options.maxBodyBytes);
      return { kind: 'answer', url, answer: { status: response.statusCode, headers: response.headers, body } };
    } catch (error) {
      const reason = abort.signal.aborted ? String((abort.signal.reason as Error).message) : (error as Error).message;
      return { kind: 'failed', url, reason };
    } finally {
      clearTimeout(timer);
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
      'x-asrs-signature': signatureHeader(call.connectionId, this.options.accessKeys),
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

  private target(url: string): Target {
    let target = this.targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      // Distinct URLs are few (one per hub and event); the cap only guards against odd templates.
      if (this.targets.size >= 1000) this.targets.clear();
      this.targets.set(url, target);
    }
    return target;
  }
}

async function readLimited(body: AsyncIterable<Buffer> & { destroy(error?: Error): unknown }, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw new Error(`answer body larger than ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size);
}
