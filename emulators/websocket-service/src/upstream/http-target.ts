import type { Dispatcher } from 'undici';

/** Where one handler URL points, split once for undici's `request({ origin, path })`. */
export interface Target {
  readonly origin: string;
  readonly path: string;
}

/**
 * Parsed handler URLs, shared by the seed upstream client and the Web PubSub event client:
 * parsing a URL per frame showed on the hot path. Distinct URLs are few (one per hub and
 * event); the cap only guards against odd templates ({hub} and {event} come from clients).
 */
export class TargetCache {
  private readonly targets = new Map<string, Target>();

  get(url: string): Target {
    let target = this.targets.get(url);
    if (!target) {
      const parsed = new URL(url);
      target = { origin: parsed.origin, path: `${parsed.pathname}${parsed.search}` };
      if (this.targets.size >= 1000) this.targets.clear();
      this.targets.set(url, target);
    }
    return target;
  }
}

/** Reads an answer body, giving up (and dropping the socket's rest) as soon as it passes `max` bytes. */
export async function readLimited(body: AsyncIterable<Buffer> & { destroy(error?: Error): unknown }, max: number): Promise<Buffer> {
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

/** A handler's answer, the same shape whichever face (seed upstream or Web PubSub event handler) asked. */
export interface HandlerAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

export interface HandlerPost {
  readonly headers: Record<string, string>;
  readonly body: Buffer | string;
  /** Both the wait for the headers and the wait between body chunks: undici's own timers rather than an AbortController per call, as this is the per-frame hot path. */
  readonly timeoutMs: number;
  /** Larger answers are refused (thrown) rather than delivered. */
  readonly maxBodyBytes: number;
}

/** POSTs one event to a handler and reads its whole answer; throws undici's errors and an over-long body's. */
export async function postToHandler(agent: Dispatcher, target: Target, post: HandlerPost): Promise<HandlerAnswer> {
  const response = await agent.request({
    origin: target.origin,
    path: target.path,
    method: 'POST',
    headers: post.headers,
    body: post.body,
    headersTimeout: post.timeoutMs,
    bodyTimeout: post.timeoutMs,
  });
  const body = await readLimited(response.body, post.maxBodyBytes);
  return { status: response.statusCode, headers: response.headers, body };
}
