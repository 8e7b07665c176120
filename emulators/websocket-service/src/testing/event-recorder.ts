import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { signatureMatches } from './test-upstream.js';
import { waitFor } from './wait.js';

/** One request a Web PubSub event handler received (OPTIONS included). */
export interface RecordedEvent {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  /** ce-type without its `azure.webpubsub.` prefix (`sys.connect`, `user.message`); '' for OPTIONS. */
  readonly type: string;
  readonly connectionId: string;
  readonly signatureValid: boolean;
}

export interface EventAnswer {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

export type EventResponder = (event: RecordedEvent) => EventAnswer | Promise<EventAnswer>;

/**
 * A raw CloudEvents event handler that records every request: allows any
 * origin on OPTIONS, answers 204 to connect, echoes user events with their
 * content type and 200 to the rest, unless `respond` says otherwise.
 */
export const echoResponder: EventResponder = (e) => {
  if (e.type === 'sys.connect') return { status: 204 };
  if (e.type.startsWith('user.')) return { status: 200, headers: { 'content-type': String(e.headers['content-type']) }, body: e.body };
  return { status: 200 };
};

export interface EventRecorder {
  readonly url: string;
  readonly events: RecordedEvent[];
  respond: EventResponder;
  of(type: string, connectionId?: string): RecordedEvent[];
  waitFor(predicate: (e: RecordedEvent) => boolean, timeoutMs?: number): Promise<RecordedEvent>;
  close(): Promise<void>;
}

export async function startEventRecorder(keys: readonly string[], respond: EventResponder = echoResponder): Promise<EventRecorder> {
  const events: RecordedEvent[] = [];
  const state = { respond };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const connectionId = String(req.headers['ce-connectionid'] ?? '');
      const event: RecordedEvent = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks),
        type: String(req.headers['ce-type'] ?? '').replace(/^azure\.webpubsub\./, ''),
        connectionId,
        signatureValid: signatureMatches(req.headers['ce-signature'] as string | undefined, connectionId, keys),
      };
      events.push(event);
      if (req.method === 'OPTIONS') {
        res.writeHead(200, { 'webhook-allowed-origin': '*' }).end();
        return;
      }
      void Promise.resolve(state.respond(event)).then((answer) => {
        const body = answer.body === undefined ? Buffer.alloc(0) : Buffer.from(answer.body);
        res.writeHead(answer.status ?? 200, { ...answer.headers, 'content-length': String(body.length) }).end(body);
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    events,
    get respond() {
      return state.respond;
    },
    set respond(next: EventResponder) {
      state.respond = next;
    },
    of: (type, connectionId) => events.filter((e) => e.type === type && (connectionId === undefined || e.connectionId === connectionId)),
    waitFor: (predicate, timeoutMs = 10_000) => waitFor(() => events.find(predicate), timeoutMs, 'an event handler request'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
