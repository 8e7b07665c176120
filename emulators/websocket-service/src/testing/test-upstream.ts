import { createHmac, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { waitFor } from './wait.js';

/** One call the test upstream received. */
export interface RecordedCall {
  readonly event: string;
  readonly connectionId: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly url: string;
  readonly body: Buffer;
  readonly signatureValid: boolean;
}

export interface Answer {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Waits this long before answering. */
  readonly delayMs?: number;
}

export type Handler = (call: RecordedCall) => Answer | Promise<Answer>;

/**
 * The default behaviour: connect binds the user named by `?user=` (else
 * "anonymous") and selects the first offered subprotocol; message echoes the
 * frame with its content type; disconnect answers 200.
 */
export const defaultHandler: Handler = (call) => {
  if (call.event === 'connect') {
    const query = new URLSearchParams(String(call.headers['x-asrs-client-query'] ?? ''));
    const offered = String(call.headers['sec-websocket-protocol'] ?? '').split(',')[0]?.trim();
    const headers: Record<string, string> = { 'x-asrs-user-id': query.get('user') ?? 'anonymous' };
    if (offered) headers['sec-websocket-protocol'] = offered;
    return { status: 200, headers };
  }
  if (call.event === 'message') {
    return { status: 200, headers: { 'content-type': String(call.headers['content-type']) }, body: call.body };
  }
  return { status: 200 };
};

export interface TestUpstream {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly calls: RecordedCall[];
  handler: Handler;
  /** Calls of one event (and optionally one connection). */
  callsOf(event: string, connectionId?: string): RecordedCall[];
  waitForCall(predicate: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  close(): Promise<void>;
}

/** Checks X-ASRS-Signature the way an upstream must: any listed value matching any of our keys, constant time. */
export function signatureMatches(header: string | undefined, connectionId: string, keys: readonly string[]): boolean {
  if (!header) return false;
  const offered = header.split(',').map((part) => part.trim().replace(/^sha256=/, ''));
  let ok = false;
  for (const key of keys) {
    const expected = Buffer.from(createHmac('sha256', key).update(connectionId).digest('hex'));
    for (const value of offered) {
      const candidate = Buffer.from(value);
      if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) ok = true;
    }
  }
  return ok;
}

/** A real fastify upstream that records every call and refuses (401) calls whose signature does not match its keys. */
export async function startTestUpstream(keys: readonly string[], handler: Handler = defaultHandler): Promise<TestUpstream> {
  const app: FastifyInstance = Fastify({ logger: false });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const calls: RecordedCall[] = [];
  const state = { handler };

  app.post('/*', async (req, reply) => {
    const connectionId = String(req.headers['x-asrs-connection-id'] ?? '');
    const call: RecordedCall = {
      event: String(req.headers['x-asrs-event'] ?? ''),
      connectionId,
      headers: req.headers,
      url: req.url,
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
      signatureValid: signatureMatches(req.headers['x-asrs-signature'] as string | undefined, connectionId, keys),
    };
    calls.push(call);
    if (!call.signatureValid) return reply.code(401).send({ error: 'bad signature' });
    const answer = await state.handler(call);
    if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
    const headers = answer.headers ?? {};
    if (answer.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      // fastify would add a content type; write the answer raw so that it really has none.
      reply.hijack();
      const body = Buffer.from(answer.body);
      reply.raw.writeHead(answer.status ?? 200, { ...headers, 'content-length': String(body.length) });
      reply.raw.end(body);
      return reply;
    }
    reply.code(answer.status ?? 200).headers(headers);
    return reply.send(answer.body ?? '');
  });

  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    url,
    calls,
    get handler() {
      return state.handler;
    },
    set handler(next: Handler) {
      state.handler = next;
    },
    callsOf: (event, connectionId) => calls.filter((c) => c.event === event && (connectionId === undefined || c.connectionId === connectionId)),
    waitForCall: (predicate, timeoutMs = 10_000) => waitFor(() => calls.find(predicate), timeoutMs, 'upstream call'),
    close: () => app.close(),
  };
}
