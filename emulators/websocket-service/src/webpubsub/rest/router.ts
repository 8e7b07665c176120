import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ErrorCodes } from '../../errors.js';
import { audiencesFor, type JwtVerifier } from '../../rest/auth.js';
import { pathSegments } from '../../rest/http.js';
import { wpsError, type WpsHandler, type WpsRestContext } from './context.js';
import { WPS_ROUTES } from './routes.js';

export const OLDEST_API_VERSION = '2021-10-01';
export const NEWEST_API_VERSION = '2024-12-01';
const API_VERSION = /^(\d{4}-\d{2}-\d{2})(-preview)?$/;

/** True for `/api/hubs/…`, the Web PubSub REST API (the seed API lives under /api/v1 and /ws/api/v1). */
export function isWpsRestPath(path: string): boolean {
  return path.startsWith('/api/hubs/');
}

function match(rest: readonly string[]): { methods: Readonly<Record<string, WpsHandler>>; args: string[] } | undefined {
  for (const route of WPS_ROUTES) {
    if (route.shape.length !== rest.length) continue;
    const args: string[] = [];
    if (route.shape.every((part, i) => (part === '*' ? rest[i] !== '' && args.push(rest[i] as string) > 0 : part === rest[i]))) return { methods: route.methods, args };
  }
  return undefined;
}

/**
 * `/api/hubs/{hub}/…` (docs/protocols.md §2, "REST"): api-version check, the
 * JWT (`aud` = the request URL with or without its query), then the route.
 */
export async function handleWpsRest(ctx: WpsRestContext, verifier: JwtVerifier, logger: Logger, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  const version = query.get('api-version');
  if (version !== null) {
    const m = API_VERSION.exec(version);
    if (!m || (m[1] as string) < OLDEST_API_VERSION || (m[1] as string) > NEWEST_API_VERSION) {
      req.resume();
      return wpsError(res, 400, ErrorCodes.apiVersion, `api-version ${version} is not supported (${OLDEST_API_VERSION} to ${NEWEST_API_VERSION}; absent means ${NEWEST_API_VERSION})`);
    }
  }
  const auth = await verifier.verify(req.headers.authorization, [...audiencesFor(req, path), ...(q < 0 ? [] : audiencesFor(req, raw))]);
  if (!auth.ok) {
    logger.info({ code: auth.code, method: req.method, path, reason: auth.reason }, 'REST call refused');
    req.resume();
    res.setHeader('www-authenticate', `Bearer error="invalid_token", error_description="${auth.reason.replace(/"/g, "'")}"`);
    return wpsError(res, 401, auth.code, auth.reason);
  }
  const segments = pathSegments(path);
  if (!segments) {
    req.resume();
    return wpsError(res, 400, ErrorCodes.badRequest, 'the path is not valid percent-encoding');
  }
  const hub = segments[2] ?? '';
  const matched = hub === '' ? undefined : match(segments.slice(3));
  if (!matched) {
    req.resume();
    return wpsError(res, 404, ErrorCodes.notFound, `no Web PubSub REST resource at ${path}`);
  }
  const handler = matched.methods[req.method ?? ''];
  if (!handler) {
    req.resume();
    res.setHeader('allow', Object.keys(matched.methods).join(', '));
    return wpsError(res, 405, ErrorCodes.methodNotAllowed, `allowed methods: ${Object.keys(matched.methods).join(', ')}`);
  }
  await handler({ ctx, req, res, hub, args: matched.args, query });
}
