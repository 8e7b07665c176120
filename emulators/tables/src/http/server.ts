/**
 * The HTTP front: reads a request (bounded), authorises it, routes it and
 * writes the response. Every failure becomes the service's error response;
 * nothing a client sends can stop the process.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { authorize } from '../auth/authorize.js';
import type { Account } from '../auth/account.js';
import { executeBatch } from '../batch/batch.js';
import { Errors, ServiceError } from '../errors.js';
import { applyCors, preflight } from './cors.js';
import type { Logger } from '../logger.js';
import type { Context } from '../service/context.js';
import { dispatch } from '../service/dispatch.js';
import { errorResponse, type ServiceRequest, type ServiceResponse } from '../service/request.js';
import { parseRoute } from '../service/route.js';
import type { Store } from '../store/store.js';

/** The service's limit for a request body (a `$batch` may carry 4 MiB). */
export const maxBodyBytes = 4 * 1024 * 1024;

export interface HttpOptions {
  readonly store: Store;
  readonly account: Account;
  readonly log: Logger;
}

function readBody(req: IncomingMessage): Promise<string | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBodyBytes) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'too-large' : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, out: ServiceResponse): void {
  const body = out.body === undefined ? undefined : Buffer.from(out.body, 'utf8');
  res.writeHead(out.status, { ...out.headers, 'Content-Length': String(body?.length ?? 0) });
  res.end(body);
}

export function handle(opts: HttpOptions, req: IncomingMessage, body: string, started: bigint): ServiceResponse {
  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const rawPath = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const secure = (req.socket as Partial<TLSSocket>).encrypted === true;
  const sreq: ServiceRequest = {
    method: (req.method ?? 'GET').toUpperCase(),
    rawPath,
    query: new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1)),
    header: (name) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v.join(', ') : v;
    },
    body,
    secure,
  };
  // The OData links name the endpoint the client used, http or https.
  const out = answer(opts, sreq, `${secure ? 'https' : 'http'}://${req.headers.host ?? '127.0.0.1'}`, started);
  if (sreq.method !== 'OPTIONS') applyCors(opts.store.settings.serviceProperties().cors, sreq, out);
  return out;
}

function answer(opts: HttpOptions, sreq: ServiceRequest, origin: string, started: bigint): ServiceResponse {
  const { rawPath } = sreq;
  const account = opts.account.name;
  // The read-access secondary endpoint `/{account}-secondary/…` serves the same (only) copy of the data.
  const secondaryPrefix = `/${account}-secondary`;
  const secondary = rawPath === secondaryPrefix || rawPath.startsWith(`${secondaryPrefix}/`);
  const routePath = secondary ? `/${account}${rawPath.slice(secondaryPrefix.length)}` : rawPath;
  try {
    if (sreq.method === 'OPTIONS') {
      // A preflight carries no credentials: it is answered from the CORS rules alone.
      if (routePath.split('/')[1] !== account) throw Errors.invalidUri();
      return preflight(opts.store.settings.serviceProperties().cors, sreq);
    }
    checkVersionHeader(sreq.header('x-ms-version'));
    const grant = authorize(opts.account, sreq, (table, id) => {
      const t = opts.store.table(table);
      return t && opts.store.settings.acl(t.id).find((p) => p.id === id);
    });
    const route = parseRoute(routePath, account);
    const ctx: Context = { store: opts.store, account, base: `${origin}/${account}/`, grant, secondary };
    if (route.kind === 'batch') {
      if (sreq.method !== 'POST') throw Errors.methodNotAllowed();
      return executeBatch(ctx, sreq);
    }
    return dispatch(ctx, sreq, route);
  } catch (err) {
    if (err instanceof ServiceError) return errorResponse(sreq, err);
    opts.log.error({ err, method: sreq.method, path: rawPath, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request failed');
    return errorResponse(sreq, Errors.internal());
  }
}

/**
 * `x-ms-version` is a service version date (`2019-02-02`). The service refuses
 * anything else with 400 InvalidHeaderValue; any well-formed date is accepted
 * here, so newer SDKs keep working (as Azurite's --skipApiVersionCheck).
 */
function checkVersionHeader(value: string | undefined): void {
  if (value === undefined) return;
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value.trim());
  const ms = m ? Date.parse(`${m[0]}T00:00:00Z`) : Number.NaN;
  const valid = m !== null && !Number.isNaN(ms) && new Date(ms).toISOString().startsWith(m[0]) && m[0] >= '2009-09-19';
  if (!valid) throw Errors.invalidHeader('x-ms-version');
}

function requestListener(opts: HttpOptions): RequestListener {
  return (req, res) => {
    const started = process.hrtime.bigint();
    readBody(req).then(
      (body) => {
        if (body === 'too-large') {
          res.setHeader('Connection', 'close');
          send(res, errorResponse({ method: req.method ?? 'GET', rawPath: '', query: new URLSearchParams(), header: () => undefined, body: '' }, Errors.bodyTooLarge()));
          return;
        }
        const out = handle(opts, req, body, started);
        if (out.status >= 500) opts.log.warn({ status: out.status, method: req.method, url: req.url }, 'request answered with a server error');
        else opts.log.debug({ status: out.status, method: req.method, url: req.url }, 'request');
        send(res, out);
      },
      (err: unknown) => {
        opts.log.warn({ err }, 'request body could not be read');
        res.destroy();
      },
    );
  };
}

function answerClientErrors(server: Server): Server {
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

export function createHttpServer(opts: HttpOptions): Server {
  return answerClientErrors(createServer({ keepAliveTimeout: 30_000 }, requestListener(opts)));
}

/** The same service behind TLS (what Microsoft's SDKs expect of an endpoint); `cert`/`key` are PEM. */
export function createHttpsServer(opts: HttpOptions, tls: { readonly cert: string | Buffer; readonly key: string | Buffer }): Server {
  return answerClientErrors(createTlsServer({ cert: tls.cert, key: tls.key, keepAliveTimeout: 30_000 }, requestListener(opts)));
}
