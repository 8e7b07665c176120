import { ErrorCodes } from '../../errors.js';
import { sendEmpty, sendJson } from '../../rest/http.js';
import { wpsError, type WpsRequest } from './context.js';
import { selection } from './sends.js';
import { readJsonBody } from './json-body.js';

/** Group membership, existence checks and closing (docs/protocols.md §2, "REST"). */
function hubOf(r: WpsRequest) {
  return r.ctx.registry.hub(r.hub);
}

export function addConnectionToGroup(r: WpsRequest): void {
  const [group, id] = r.args as [string, string];
  const hub = hubOf(r);
  const conn = hub?.connections.get(id);
  if (!hub || !conn) return wpsError(r.res, 404, ErrorCodes.connectionNotFound, `connection ${id} is not connected to hub ${r.hub}`);
  hub.addConnectionToGroup(group, conn);
  sendEmpty(r.res, 200);
}

export function removeConnectionFromGroup(r: WpsRequest): void {
  const [group, id] = r.args as [string, string];
  const hub = hubOf(r);
  const conn = hub?.connections.get(id);
  if (hub && conn) hub.dropConnectionFromGroup(group, conn);
  sendEmpty(r.res, 204);
}

export function removeConnectionFromAllGroups(r: WpsRequest): void {
  const hub = hubOf(r);
  const conn = hub?.connections.get(r.args[0] as string);
  if (hub && conn) hub.removeConnectionFromAllGroups(conn);
  sendEmpty(r.res, 204);
}

export function addUserToGroup(r: WpsRequest): void {
  const [user, group] = r.args as [string, string];
  r.ctx.registry.ensureHub(r.hub).addUserToGroup(group, user);
  sendEmpty(r.res, 200);
}

export function removeUserFromGroup(r: WpsRequest): void {
  const [user, group] = r.args as [string, string];
  const hub = hubOf(r);
  if (hub) {
    hub.removeUserFromGroup(group, user);
    r.ctx.registry.dropIfEmpty(hub);
  }
  sendEmpty(r.res, 204);
}

export function removeUserFromAllGroups(r: WpsRequest): void {
  const hub = hubOf(r);
  if (hub) {
    hub.removeUserFromAllGroups(r.args[0] as string);
    r.ctx.registry.dropIfEmpty(hub);
  }
  sendEmpty(r.res, 204);
}

/** `:addToGroups` / `:removeFromGroups`: body `{"groups":[…],"filter":"…"}` picks the connections. */
export function changeGroups(add: boolean) {
  return async (r: WpsRequest): Promise<void> => {
    const body = await readJsonBody(r);
    if (!body) return;
    const groups = body.groups;
    if (!Array.isArray(groups) || groups.length === 0 || groups.some((g) => typeof g !== 'string' || g === '')) {
      return wpsError(r.res, 400, ErrorCodes.badRequest, '"groups" must be a non-empty array of group names');
    }
    if (body.filter !== undefined && typeof body.filter !== 'string') return wpsError(r.res, 400, ErrorCodes.badRequest, '"filter" must be a string');
    const query = new URLSearchParams(r.query);
    query.delete('filter');
    if (typeof body.filter === 'string') query.set('filter', body.filter);
    const keep = selection({ ...r, query });
    if (!keep) return;
    const hub = add ? r.ctx.registry.ensureHub(r.hub) : hubOf(r);
    for (const conn of [...(hub?.connections.values() ?? [])]) {
      if (!keep(conn)) continue;
      for (const group of groups as string[]) {
        if (add) hub?.addConnectionToGroup(group, conn);
        else hub?.dropConnectionFromGroup(group, conn);
      }
    }
    if (hub) r.ctx.registry.dropIfEmpty(hub);
    sendEmpty(r.res, 200);
  };
}

function exists(r: WpsRequest, found: boolean): void {
  sendEmpty(r.res, found ? 200 : 404);
}

export const connectionExists = (r: WpsRequest): void => exists(r, hubOf(r)?.connections.has(r.args[0] as string) ?? false);
export const userExists = (r: WpsRequest): void => exists(r, hubOf(r)?.hasUser(r.args[0] as string) ?? false);
export const groupExists = (r: WpsRequest): void => exists(r, hubOf(r)?.hasGroup(r.args[0] as string) ?? false);

const CLOSE_CODE = 1000;

function reasonOf(r: WpsRequest): string {
  return r.query.get('reason') ?? 'closed by the service';
}

export function closeConnection(r: WpsRequest): void {
  hubOf(r)?.connections.get(r.args[0] as string)?.close(CLOSE_CODE, reasonOf(r));
  sendEmpty(r.res, 204);
}

/** `:closeConnections` of the hub, a user or a group; `excluded` connections stay. */
function closeMany(pick: (r: WpsRequest) => Iterable<{ id: string; close(code: number, reason: string): void }> | undefined) {
  return (r: WpsRequest): void => {
    const excluded = new Set(r.query.getAll('excluded'));
    const reason = reasonOf(r);
    for (const conn of [...(pick(r) ?? [])]) if (!excluded.has(conn.id)) conn.close(CLOSE_CODE, reason);
    sendEmpty(r.res, 204);
  };
}

export const closeAll = closeMany((r) => hubOf(r)?.connections.values());
export const closeUser = closeMany((r) => hubOf(r)?.connectionsOfUser(r.args[0] as string));
export const closeGroup = closeMany((r) => hubOf(r)?.membersOf(r.args[0] as string)?.keys());

/** A positive integer query parameter within [1, max], the default when absent, or an error message. */
function boundedInt(r: WpsRequest, name: string, max: number, fallback: number): number | string {
  const text = r.query.get(name);
  if (text === null) return fallback;
  const value = Number(text);
  return /^\d+$/.test(text) && value >= 1 && value <= max ? value : `${name} must be an integer from 1 to ${max}`;
}

/**
 * `GET …/groups/{group}/connections`: pages of `{connectionId, userId}` in a
 * stable order, `nextLink` while more remain. `maxpagesize` sizes a page;
 * `top` caps the total over all pages (the nextLink carries what is left of it).
 */
export function listGroup(r: WpsRequest): void {
  const group = r.args[0] as string;
  const size = boundedInt(r, 'maxpagesize', 1000, 100);
  const top = boundedInt(r, 'top', 2_147_483_647, Number.MAX_SAFE_INTEGER);
  if (typeof size === 'string') return wpsError(r.res, 400, ErrorCodes.badRequest, size);
  if (typeof top === 'string') return wpsError(r.res, 400, ErrorCodes.badRequest, top);
  const after = r.query.get('continuationToken');
  const ids = [...(hubOf(r)?.membersOf(group)?.keys() ?? [])].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const start = after ? ids.findIndex((c) => c.id > Buffer.from(after, 'base64url').toString('utf8')) : 0;
  const take = Math.min(size, top);
  const page = start < 0 ? [] : ids.slice(start, start + take);
  const last = page[page.length - 1];
  const left = top - page.length;
  const more = start >= 0 && start + take < ids.length && left > 0 && last !== undefined;
  const body: Record<string, unknown> = { value: page.map((c) => ({ connectionId: c.id, ...(c.userId === undefined ? {} : { userId: c.userId }) })) };
  if (more) {
    const next = new URLSearchParams({ 'api-version': r.query.get('api-version') ?? '2024-12-01', maxpagesize: String(size), continuationToken: Buffer.from(last.id).toString('base64url') });
    if (r.query.has('top')) next.set('top', String(left));
    body.nextLink = `/api/hubs/${encodeURIComponent(r.hub)}/groups/${encodeURIComponent(group)}/connections?${next}`;
  }
  sendJson(r.res, 200, body);
}
