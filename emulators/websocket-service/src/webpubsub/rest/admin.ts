import { SignJWT } from 'jose';
import { ErrorCodes } from '../../errors.js';
import { sendEmpty, sendJson } from '../../rest/http.js';
import { WpsConnection } from '../connection.js';
import { has, PERMISSIONS, revoke, roleOf, type Permission } from '../permissions.js';
import { wpsError, type WpsRequest } from './context.js';

/** Permissions of one connection and client tokens (docs/protocols.md §2, "REST"). */
function target(r: WpsRequest): { conn: WpsConnection | undefined; permission: Permission } | undefined {
  const [permission, id] = r.args as [string, string];
  if (!PERMISSIONS.includes(permission as Permission)) {
    wpsError(r.res, 400, ErrorCodes.badRequest, `permission must be ${PERMISSIONS.join(' or ')}, not "${permission}"`);
    return undefined;
  }
  const found = r.ctx.registry.hub(r.hub)?.connections.get(id);
  return { conn: found instanceof WpsConnection ? found : undefined, permission: permission as Permission };
}

function targetName(r: WpsRequest): string | undefined {
  const name = r.query.get('targetName');
  return name === null || name === '' ? undefined : name;
}

export function grantPermission(r: WpsRequest): void {
  const t = target(r);
  if (!t) return;
  if (!t.conn) return wpsError(r.res, 404, ErrorCodes.connectionNotFound, `connection ${r.args[1]} is not a Web PubSub connection of hub ${r.hub}`);
  t.conn.roles.add(roleOf(t.permission, targetName(r)));
  sendEmpty(r.res, 200);
}

export function revokePermission(r: WpsRequest): void {
  const t = target(r);
  if (!t) return;
  if (t.conn) revoke(t.conn.roles, t.permission, targetName(r));
  sendEmpty(r.res, 204);
}

/** HEAD: 200 when the connection holds it (for targetName, or for every group when none is given), else 404. */
export function checkPermission(r: WpsRequest): void {
  const t = target(r);
  if (!t) return;
  const name = targetName(r);
  const granted = t.conn !== undefined && (name === undefined ? t.conn.roles.has(roleOf(t.permission)) : has(t.conn.roles, t.permission, name));
  sendEmpty(r.res, granted ? 200 : 404);
}

/** `:generateToken?userId=&role=&group=&minutesToExpire=`: a client token signed with the primary key. */
export async function generateToken(r: WpsRequest): Promise<void> {
  r.req.resume();
  const minutes = Number(r.query.get('minutesToExpire') ?? 60);
  if (!Number.isInteger(minutes) || minutes < 1) return wpsError(r.res, 400, ErrorCodes.badRequest, 'minutesToExpire must be a positive integer');
  const clientType = r.query.get('clientType');
  if (clientType !== null && clientType.toLowerCase() !== 'default') {
    return wpsError(r.res, 400, ErrorCodes.badRequest, `clientType ${clientType} is not supported by this emulator (only Default)`);
  }
  const roles = r.query.getAll('role');
  const groups = r.query.getAll('group');
  const claims: Record<string, unknown> = {};
  if (roles.length > 0) claims.role = roles;
  if (groups.length > 0) claims['webpubsub.group'] = groups;
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setAudience(`http://${r.req.headers.host ?? '127.0.0.1'}/client/hubs/${r.hub}`)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + minutes * 60);
  const userId = r.query.get('userId');
  if (userId) jwt.setSubject(userId);
  sendJson(r.res, 200, { token: await jwt.sign(new TextEncoder().encode(r.ctx.accessKeys[0])) });
}
