import type { IncomingMessage, ServerResponse } from 'node:http';
import { FROM_SERVER, type DataKind, type HubConnection } from '../hub-connection.js';
import { ErrorCodes } from '../errors.js';
import type { Hub, HubRegistry } from '../groups.js';
import { readBody, sendEmpty, sendError } from './http.js';

/**
 * The REST API of docs/protocols.md §1 under /ws/api/v1/hubs/{hub} (and the same
 * under /api/v1/hubs/{hub}, Azure SignalR's own prefix). Authentication has
 * been checked by the caller.
 */
export interface RestContext {
  readonly registry: HubRegistry<HubConnection>;
  readonly maxBodyBytes: number;
}

type Handler = (ctx: RestContext, req: IncomingMessage, res: ServerResponse, hub: string, args: string[], query: URLSearchParams) => Promise<void> | void;

interface Route {
  readonly shape: readonly string[];
  readonly methods: Readonly<Record<string, Handler>>;
}

/** `*` marks a name taken from the path. */
const ROUTES: readonly Route[] = [
  { shape: [], methods: { POST: broadcast } },
  { shape: ['users', '*'], methods: { POST: sendToUser, HEAD: userExists } },
  { shape: ['connections', '*'], methods: { POST: sendToConnection, HEAD: connectionExists, DELETE: closeConnection } },
  { shape: ['groups', '*'], methods: { POST: sendToGroup, HEAD: groupExists } },
  { shape: ['groups', '*', 'connections', '*'], methods: { PUT: addConnectionToGroup, DELETE: removeConnectionFromGroup } },
  { shape: ['groups', '*', 'users', '*'], methods: { PUT: addUserToGroup, DELETE: removeUserFromGroup } },
  { shape: ['users', '*', 'groups', '*'], methods: { PUT: (c, q, r, h, [u, g]) => addUserToGroup(c, q, r, h, [g, u] as string[]), DELETE: (c, q, r, h, [u, g]) => removeUserFromGroup(c, q, r, h, [g, u] as string[]) } },
];

export function matchRoute(rest: readonly string[]): { route: Route; args: string[] } | undefined {
  for (const route of ROUTES) {
    if (route.shape.length !== rest.length) continue;
    const args: string[] = [];
    let ok = true;
    route.shape.forEach((part, i) => {
      const seg = rest[i] as string;
      if (part === '*') {
        if (seg === '') ok = false;
        args.push(seg);
      } else if (part !== seg) ok = false;
    });
    if (ok) return { route, args };
  }
  return undefined;
}

export async function handleHubRequest(
  ctx: RestContext,
  req: IncomingMessage,
  res: ServerResponse,
  hub: string,
  rest: readonly string[],
  query: URLSearchParams,
): Promise<void> {
  const matched = matchRoute(rest);
  if (!matched) return sendError(res, 404, ErrorCodes.notFound, 'no such REST resource');
  const handler = matched.route.methods[req.method ?? ''];
  if (!handler) {
    const allow = Object.keys(matched.route.methods).join(', ');
    return sendError(res, 405, ErrorCodes.methodNotAllowed, `allowed methods: ${allow}`, { allow });
  }
  await handler(ctx, req, res, hub, matched.args, query);
}

/** Reads the body of a send; answers 413 itself and returns undefined when it is too large. */
async function frameOf(ctx: RestContext, req: IncomingMessage, res: ServerResponse): Promise<{ data: Buffer; kind: DataKind | undefined } | undefined> {
  const data = await readBody(req, ctx.maxBodyBytes);
  if (!data) {
    sendError(res, 413, ErrorCodes.bodyTooLarge, `a frame is at most ${ctx.maxBodyBytes} bytes`);
    return undefined;
  }
  return { data, kind: kindOf(req.headers['content-type']) };
}

/** `application/octet-stream` is binary, text and JSON are text; anything else (or nothing) follows each connection's format. */
function kindOf(contentType: string | undefined): DataKind | undefined {
  if (!contentType) return undefined;
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  if (type === 'application/octet-stream') return 'binary';
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  return type.startsWith('text/') ? 'text' : undefined;
}

function excludedOf(query: URLSearchParams): Set<string> | undefined {
  const ids = query.getAll('excluded');
  return ids.length > 0 ? new Set(ids) : undefined;
}

async function fanOut(
  ctx: RestContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
  targets: (hub: Hub<HubConnection>) => Iterable<HubConnection> | undefined,
  hubName: string,
): Promise<void> {
  const frame = await frameOf(ctx, req, res);
  if (!frame) return;
  const hub = ctx.registry.hub(hubName);
  const excluded = excludedOf(query);
  const list = hub ? targets(hub) : undefined;
  if (list) {
    for (const conn of list) {
      if (excluded?.has(conn.id)) continue;
      conn.deliver(frame, FROM_SERVER);
    }
  }
  sendEmpty(res, 202);
}

function broadcast(ctx: RestContext, req: IncomingMessage, res: ServerResponse, hub: string, _args: string[], query: URLSearchParams) {
  return fanOut(ctx, req, res, query, (h) => h.connections.values(), hub);
}

function sendToUser(ctx: RestContext, req: IncomingMessage, res: ServerResponse, hub: string, [user]: string[], query: URLSearchParams) {
  return fanOut(ctx, req, res, query, (h) => h.connectionsOfUser(user as string), hub);
}

function sendToConnection(ctx: RestContext, req: IncomingMessage, res: ServerResponse, hub: string, [id]: string[], query: URLSearchParams) {
  return fanOut(ctx, req, res, query, (h) => {
    const conn = h.connections.get(id as string);
    return conn ? [conn] : undefined;
  }, hub);
}

function sendToGroup(ctx: RestContext, req: IncomingMessage, res: ServerResponse, hub: string, [group]: string[], query: URLSearchParams) {
  return fanOut(ctx, req, res, query, (h) => h.membersOf(group as string)?.keys(), hub);
}

function exists(res: ServerResponse, found: boolean): void {
  sendEmpty(res, found ? 200 : 404);
}

function userExists(ctx: RestContext, _req: IncomingMessage, res: ServerResponse, hub: string, [user]: string[]) {
  exists(res, ctx.registry.hub(hub)?.hasUser(user as string) ?? false);
}

function connectionExists(ctx: RestContext, _req: IncomingMessage, res: ServerResponse, hub: string, [id]: string[]) {
  exists(res, ctx.registry.hub(hub)?.connections.has(id as string) ?? false);
}

function groupExists(ctx: RestContext, _req: IncomingMessage, res: ServerResponse, hub: string, [group]: string[]) {
  exists(res, ctx.registry.hub(hub)?.hasGroup(group as string) ?? false);
}

/** Idempotent: closing a connection that is already gone is 200 too. */
function closeConnection(ctx: RestContext, _req: IncomingMessage, res: ServerResponse, hub: string, [id]: string[], query: URLSearchParams) {
  ctx.registry.hub(hub)?.connections.get(id as string)?.close(1000, query.get('reason') ?? 'closed by the service');
  sendEmpty(res, 200);
}

function addConnectionToGroup(ctx: RestContext, _req: IncomingMessage, res: ServerResponse, hub: string, [group, id]: string[]) {
  const h = ctx.registry.hub(hub);
  const conn = h?.connections.get(id as string);
  if (!h || !conn) return sendError(res, 404, ErrorCodes.connectionNotFound, `connection ${id} is not connected to hub ${hub}`);
  h.addConnectionToGroup(group as string, conn);
  sendEmpty(res, 200);
}

function removeConnectionFromGroup(ctx: RestContext, _req: IncomingMessage, res: ServerResponse, hub: string, [group, id]: string[]) {
  const h = ctx.registry.hub(hub);
  const conn = h?.connections.get(id as string);
  if (h && conn) h.removeConnectionFromGroup(group as string, conn);
  sendEmpty(res, 200);
}

function addUserToGroup(ctx: RestContext, _req: IncomingMessage, res: ServerResponse, hub: string, [group, user]: string[]) {
  ctx.registry.ensureHub(hub).addUserToGroup(group as string, user as string);
  sendEmpty(res, 200);
}

function removeUserFromGroup(ctx: RestContext, _req: IncomingMessage, res: ServerResponse, hub: string, [group, user]: string[]) {
  const h = ctx.registry.hub(hub);
  if (!h) return sendEmpty(res, 200);
  h.removeUserFromGroup(group as string, user as string);
  ctx.registry.dropIfEmpty(h);
  sendEmpty(res, 200);
}
