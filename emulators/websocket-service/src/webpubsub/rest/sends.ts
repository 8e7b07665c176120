import { ErrorCodes } from '../../errors.js';
import type { Hub } from '../../groups.js';
import { FROM_SERVER, type DataKind, type HubConnection, type Origin, type Payload } from '../../hub-connection.js';
import { readBody, sendEmpty, sendError } from '../../rest/http.js';
import { wpsError, type WpsRequest } from './context.js';
import { compileFilter, type ConnectionFilter } from './odata.js';

const KINDS: Record<string, DataKind> = { 'text/plain': 'text', 'application/json': 'json', 'application/octet-stream': 'binary' };

/** Reads a send body; answers the error itself and returns undefined when the body cannot be sent. */
async function payloadOf(r: WpsRequest): Promise<Payload | undefined> {
  const type = (r.req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const kind = KINDS[type];
  if (!kind) {
    r.req.resume();
    wpsError(r.res, 415, ErrorCodes.unsupportedMediaType, `Content-Type must be text/plain, application/json or application/octet-stream, not "${type}"`);
    return undefined;
  }
  const data = await readBody(r.req, r.ctx.maxBodyBytes);
  if (!data) {
    wpsError(r.res, 413, ErrorCodes.bodyTooLarge, `a message is at most ${r.ctx.maxBodyBytes} bytes`);
    return undefined;
  }
  if (kind === 'json') {
    try {
      JSON.parse(data.toString('utf8'));
    } catch {
      wpsError(r.res, 400, ErrorCodes.badRequest, 'the body is not valid JSON (Content-Type: application/json)');
      return undefined;
    }
  }
  return { data, kind };
}

/** `filter` (OData) and `excluded` (repeatable); answers 400 itself for a bad filter. */
export function selection(r: WpsRequest): ((conn: HubConnection) => boolean) | undefined {
  const excluded = new Set(r.query.getAll('excluded'));
  const text = r.query.get('filter');
  let filter: ConnectionFilter | undefined;
  if (text !== null && text.trim() !== '') {
    const compiled = compileFilter(text);
    if ('error' in compiled) {
      r.req.resume();
      // Azure's body is JSON labelled text/plain, so Microsoft's SDK leaves it unparsed and
      // RestError.message is the whole body; Microsoft's tests JSON.parse it. Clients match on that.
      sendError(r.res, 400, ErrorCodes.badFilter, compiled.error, { 'x-ms-error-code': ErrorCodes.badFilter, 'content-type': 'text/plain; charset=utf-8' });
      return undefined;
    }
    filter = compiled.filter;
  }
  return (conn) => !excluded.has(conn.id) && (filter === undefined || filter(conn));
}

/** `messageTtlSeconds` (0 = no expiry, at most 300) as a deadline; false after answering 400 for a bad value. */
function ttlOf(r: WpsRequest): { expiresAt?: number } | false {
  const ttl = r.query.get('messageTtlSeconds');
  if (ttl === null || ttl === '0') return {};
  if (/^\d+$/.test(ttl) && Number(ttl) <= 300) return { expiresAt: Date.now() + Number(ttl) * 1000 };
  r.req.resume();
  wpsError(r.res, 400, ErrorCodes.badRequest, 'messageTtlSeconds must be an integer from 0 to 300');
  return false;
}

type Targets = (hub: Hub<HubConnection>, args: readonly string[]) => Iterable<HubConnection> | undefined;

/**
 * A send: every target that passes `excluded` and `filter` gets the payload;
 * 202 also when nobody is there. `origin` is what JSON and protobuf clients
 * are told: the service marks a group send `from: "group"` with the group's
 * name (no `fromUserId`: the server sent it), everything else `from: "server"`.
 */
function send(targets: Targets, origin: (args: readonly string[]) => Origin = () => FROM_SERVER) {
  return async (r: WpsRequest): Promise<void> => {
    const keep = selection(r);
    const ttl = keep && ttlOf(r);
    if (!keep || !ttl) return;
    const body = await payloadOf(r);
    if (!body) return;
    const payload: Payload = { ...body, ...ttl };
    const hub = r.ctx.registry.hub(r.hub);
    const from = origin(r.args);
    for (const conn of (hub && targets(hub, r.args)) ?? []) if (keep(conn)) conn.deliver(payload, from);
    sendEmpty(r.res, 202);
  };
}

export const sendToAll = send((h) => h.connections.values());
export const sendToUser = send((h, [user]) => h.connectionsOfUser(user as string));
export const sendToGroup = send(
  (h, [group]) => h.membersOf(group as string)?.keys(),
  ([group]) => ({ from: 'group', group: group as string, fromUserId: undefined }),
);
export const sendToConnection = send((h, [id]) => {
  const conn = h.connections.get(id as string);
  return conn ? [conn] : undefined;
});
