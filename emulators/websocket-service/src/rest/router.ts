import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ErrorCodes } from '../errors.js';
import { audiencesFor, type JwtVerifier } from './auth.js';
import { pathSegments, sendEmpty, sendError } from './http.js';
import { handleHubRequest, type RestContext } from './routes.js';
import type { WpsRestContext } from '../webpubsub/rest/context.js';
import { handleWpsRest, isWpsRestPath } from '../webpubsub/rest/router.js';

/** A handler for one authenticated path outside the hub API (the emulator's own manage API). */
export type ExtraRoute = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface RouterDeps {
  readonly verifier: JwtVerifier;
  readonly rest: RestContext;
  readonly logger: Logger;
  readonly extra: ReadonlyMap<string, ExtraRoute>;
  /** The Web PubSub REST API under /api/hubs (docs/protocols.md §2). */
  readonly webPubSub?: WpsRestContext;
}

const HUB_PREFIXES = [['ws', 'api', 'v1', 'hubs'], ['api', 'v1', 'hubs']] as const;

function hubPrefix(segments: readonly string[]): number | undefined {
  for (const prefix of HUB_PREFIXES) {
    if (segments.length > prefix.length && prefix.every((part, i) => segments[i] === part)) return prefix.length;
  }
  return undefined;
}

/** The `request` listener: health, the hub REST API and extra routes, each behind the JWT check. */
export function createRequestHandler(deps: RouterDeps) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    handle(deps, req, res).catch((error: unknown) => {
      deps.logger.error({ err: (error as Error).message, method: req.method, url: req.url }, 'REST request failed');
      if (!res.headersSent) sendError(res, 500, ErrorCodes.badRequest, 'internal error');
      else res.destroy();
    });
  };
}

async function handle(deps: RouterDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  if (path === '/api/v1/health' || path === '/api/health') return sendEmpty(res, 200);
  if (deps.webPubSub && isWpsRestPath(path)) return handleWpsRest(deps.webPubSub, deps.verifier, deps.logger, req, res);
  const extra = deps.extra.get(path);
  const segments = extra ? [] : pathSegments(path);
  if (!segments) return sendError(res, 400, ErrorCodes.badRequest, 'the path is not valid percent-encoding');
  const prefix = extra ? undefined : hubPrefix(segments);
  if (!extra && prefix === undefined) return sendError(res, 404, ErrorCodes.notFound, `nothing at ${path}`);

  const auth = await deps.verifier.verify(req.headers.authorization, audiencesFor(req, path));
  if (!auth.ok) {
    deps.logger.info({ code: auth.code, method: req.method, path, reason: auth.reason }, 'REST call refused');
    req.resume();
    return sendError(res, 401, auth.code, auth.reason, {
      'www-authenticate': `Bearer error="invalid_token", error_description="${auth.reason.replace(/"/g, "'")}"`,
    });
  }
  if (extra) return extra(req, res);
  const hub = segments[prefix as number] as string;
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  return handleHubRequest(deps.rest, req, res, hub, segments.slice((prefix as number) + 1), query);
}
