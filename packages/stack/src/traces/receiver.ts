import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { createGunzip } from 'node:zlib';
import { OtlpPayloadError, parseExportRequest } from './otlp-json.js';
import { TraceStore } from './trace-store.js';

export interface TraceReceiver {
  /** `http://127.0.0.1:PORT`: the services' OTEL_EXPORTER_OTLP_ENDPOINT and the CLI's trace source. */
  readonly url: string;
  readonly store: TraceStore;
  close(): Promise<void>;
}

/** An export larger than this is refused (413); the services' batches are far smaller. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/**
 * The local stack's trace sink: an OTLP/HTTP receiver (JSON encoding, the one the
 * stack configures) keeping the last traces in memory, and a small read API for
 * `parley trace`: `GET /traces` (newest first) and `GET /traces/{traceId|eventId}`.
 */
export async function startTraceReceiver(options: { port?: number; capacity?: number } = {}): Promise<TraceReceiver> {
  const store = new TraceStore(options.capacity);
  const server = createServer((request, response) => {
    handle(request, response, store).catch((error: unknown) => {
      const status = error instanceof OtlpPayloadError ? 400 : error instanceof BodyTooLarge ? 413 : 500;
      answer(response, status, { code: (error as { code?: string }).code ?? 'PARLEY_TRACES_FAILED', message: (error as Error).message });
    });
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    store,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

class BodyTooLarge extends Error {
  readonly code = 'PARLEY_TRACES_TOO_LARGE';
}

async function handle(request: IncomingMessage, response: ServerResponse, store: TraceStore): Promise<void> {
  const path = (request.url ?? '/').split('?')[0]!;
  if (request.method === 'POST' && path === '/v1/traces') {
    const type = String(request.headers['content-type'] ?? '');
    if (!type.startsWith('application/json')) {
      // The stack sets OTEL_EXPORTER_OTLP_PROTOCOL=http/json; protobuf is for real collectors.
      answer(response, 415, { code: 'PARLEY_TRACES_UNSUPPORTED', message: 'this receiver takes OTLP/HTTP JSON (OTEL_EXPORTER_OTLP_PROTOCOL=http/json)' });
      return;
    }
    const text = await readBody(request);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new OtlpPayloadError('the body is not JSON');
    }
    store.add(parseExportRequest(body));
    // ExportTraceServiceResponse: an empty object means every span was accepted.
    answer(response, 200, {});
    return;
  }
  if (request.method === 'GET' && path === '/traces') {
    const limit = Number(new URL(request.url ?? '/', 'http://x').searchParams.get('limit') ?? 20);
    answer(response, 200, { traces: store.list(Number.isInteger(limit) && limit > 0 ? limit : 20) });
    return;
  }
  const match = /^\/traces\/([^/]+)$/.exec(path);
  if (request.method === 'GET' && match) {
    const id = decodeURIComponent(match[1]!);
    const spans = store.get(id);
    if (!spans) answer(response, 404, { code: 'PARLEY_TRACE_NOT_FOUND', message: `no trace with id, event id or command id "${id}" among the last ${store.size}` });
    else answer(response, 200, { traceId: spans[0]!.traceId, spans });
    return;
  }
  answer(response, 404, { code: 'PARLEY_TRACES_NOT_A_ROUTE', message: `${request.method} ${path} is not a route` });
}

async function readBody(request: IncomingMessage): Promise<string> {
  const source = request.headers['content-encoding'] === 'gzip' ? request.pipe(createGunzip()) : request;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of source as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge(`an export larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function answer(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent) return;
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
