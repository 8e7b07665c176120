/**
 * Entity group transactions (`POST /$batch`): up to 100 writes to one
 * partition of one table, all or nothing. The changeset runs in one SQLite
 * transaction; the first failing operation rolls it back and the response
 * carries that operation's error, its index prefixed to the message
 * ("2:The specified entity already exists."), as the service does.
 */
import { randomUUID } from 'node:crypto';
import { Errors, ServiceError } from '../errors.js';
import { parseEntity } from '../model/entity.js';
import type { Context } from '../service/context.js';
import { dispatchEntity } from '../service/dispatch.js';
import { baseHeaders, errorResponse, type ServiceRequest, type ServiceResponse } from '../service/request.js';
import { parseRoute, type Route } from '../service/route.js';
import { boundaryOf, parseBatch, type BatchPart } from './multipart.js';

export const maxBatchOperations = 100;

const reason: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  412: 'Precondition Failed',
  413: 'Request Entity Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
};

class OperationFailed extends Error {
  constructor(
    readonly index: number,
    readonly error: ServiceError,
    readonly part: ServiceRequest | undefined,
  ) {
    super(error.message);
  }
}

function subRequest(part: BatchPart, account: string): { req: ServiceRequest; route: Route } {
  let url: URL;
  try {
    url = new URL(part.url, 'http://localhost');
  } catch {
    throw Errors.invalidUri();
  }
  const req: ServiceRequest = {
    method: part.method,
    rawPath: url.pathname,
    query: url.searchParams,
    header: (name) => part.headers.get(name.toLowerCase()),
    body: part.body,
  };
  return { req, route: parseRoute(url.pathname, account) };
}

/** The entity keys an operation targets: from the URL, or the body of an insert. */
function keysOf(req: ServiceRequest, route: Route): { table: string; pk: string; rk: string } {
  if (route.kind === 'entity') return route;
  if (route.kind === 'entities' && req.method === 'POST') {
    const e = parseEntity(req.body);
    return { table: route.table, pk: e.pk, rk: e.rk };
  }
  throw Errors.invalidInput('A changeset may hold only insert, update, merge and delete operations.');
}

function serializePart(res: ServiceResponse, contentId: string | undefined): string {
  const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary', '', `HTTP/1.1 ${res.status} ${reason[res.status] ?? 'Unknown'}`];
  if (contentId) lines.push(`Content-ID: ${contentId}`);
  lines.push('X-Content-Type-Options: nosniff', 'Cache-Control: no-cache', 'DataServiceVersion: 3.0;');
  for (const name of ['Preference-Applied', 'Location', 'DataServiceId', 'ETag', 'Content-Type']) {
    const v = res.headers[name];
    if (v !== undefined) lines.push(`${name}: ${v}`);
  }
  lines.push('', res.body ?? '');
  return lines.join('\r\n');
}

function multipartResponse(req: ServiceRequest, parts: string[]): ServiceResponse {
  const batch = `batchresponse_${randomUUID()}`;
  const changeset = `changesetresponse_${randomUUID()}`;
  const body = [
    `--${batch}`,
    `Content-Type: multipart/mixed; boundary=${changeset}`,
    '',
    ...parts.map((p) => `--${changeset}\r\n${p}`),
    `--${changeset}--`,
    `--${batch}--`,
    '',
  ].join('\r\n');
  return { status: 202, headers: { ...baseHeaders(req), 'Content-Type': `multipart/mixed; boundary=${batch}` }, body };
}

export function executeBatch(ctx: Context, req: ServiceRequest): ServiceResponse {
  const boundary = boundaryOf(req.header('content-type'));
  if (!boundary) throw Errors.invalidHeader('Content-Type');
  const batch = parseBatch(req.body, boundary);
  try {
    return runChangeset(ctx, req, batch.parts, batch.changeset);
  } catch (err) {
    if (!(err instanceof OperationFailed)) throw err;
    const contentId = err.part?.header('content-id');
    const failed = errorResponse(err.part ?? req, err.error, `${err.index}:`);
    return multipartResponse(req, [serializePart(failed, contentId)]);
  }
}

function runChangeset(ctx: Context, req: ServiceRequest, parts: BatchPart[], changeset: boolean): ServiceResponse {
  if (parts.length === 0) throw new OperationFailed(0, Errors.invalidInput('The changeset holds no operations.'), undefined);
  if (parts.length > maxBatchOperations) throw new OperationFailed(0, Errors.batchTooLarge(), undefined);
  // Validate the whole changeset before writing anything.
  const ops = parts.map((part, index) => {
    try {
      const { req: sub, route } = subRequest(part, ctx.account);
      if (!changeset) {
        if (sub.method !== 'GET' || route.kind !== 'entity') throw Errors.invalidInput('An operation outside a changeset must be a single-entity GET.');
        return { sub, route, keys: undefined };
      }
      return { sub, route, keys: keysOf(sub, route) };
    } catch (e) {
      if (e instanceof ServiceError) throw new OperationFailed(index, e, undefined);
      throw e;
    }
  });
  const first = ops[0]!.keys;
  const seen = new Set<string>();
  ops.forEach(({ keys, sub }, index) => {
    if (!keys || !first) return;
    if (keys.table.toLowerCase() !== first.table.toLowerCase()) throw new OperationFailed(index, Errors.invalidInput('All operations in a changeset must target the same table.'), sub);
    if (keys.pk !== first.pk) throw new OperationFailed(index, Errors.batchPartitions(), sub);
    if (seen.has(keys.rk)) throw new OperationFailed(index, Errors.batchDuplicate(), sub);
    seen.add(keys.rk);
  });
  const responses = ctx.store.transaction(() =>
    ops.map(({ sub, route }, index) => {
      try {
        return serializePart(dispatchEntity(ctx, sub, route), sub.header('content-id'));
      } catch (e) {
        if (e instanceof ServiceError) throw new OperationFailed(index, e, sub);
        throw e;
      }
    }),
  );
  return multipartResponse(req, responses);
}
