import { checkPermission, generateToken, grantPermission, revokePermission } from './admin.js';
import type { WpsHandler } from './context.js';
import * as m from './membership.js';
import { sendToAll, sendToConnection, sendToGroup, sendToUser } from './sends.js';

export interface WpsRoute {
  /** Segments after `/api/hubs/{hub}`; `*` takes a name. */
  readonly shape: readonly string[];
  readonly methods: Readonly<Record<string, WpsHandler>>;
}

/** Every data-plane operation of the Web PubSub REST API (docs/protocols.md §2, "REST"). */
export const WPS_ROUTES: readonly WpsRoute[] = [
  { shape: [':send'], methods: { POST: sendToAll } },
  { shape: [':addToGroups'], methods: { POST: m.changeGroups(true) } },
  { shape: [':removeFromGroups'], methods: { POST: m.changeGroups(false) } },
  { shape: [':closeConnections'], methods: { POST: m.closeAll } },
  { shape: [':generateToken'], methods: { POST: generateToken } },
  { shape: ['users', '*'], methods: { HEAD: m.userExists } },
  { shape: ['users', '*', ':send'], methods: { POST: sendToUser } },
  { shape: ['users', '*', ':closeConnections'], methods: { POST: m.closeUser } },
  { shape: ['users', '*', 'groups'], methods: { DELETE: m.removeUserFromAllGroups } },
  { shape: ['users', '*', 'groups', '*'], methods: { PUT: m.addUserToGroup, DELETE: m.removeUserFromGroup } },
  { shape: ['connections', '*'], methods: { HEAD: m.connectionExists, DELETE: m.closeConnection } },
  { shape: ['connections', '*', ':send'], methods: { POST: sendToConnection } },
  { shape: ['connections', '*', 'groups'], methods: { DELETE: m.removeConnectionFromAllGroups } },
  { shape: ['groups', '*'], methods: { HEAD: m.groupExists } },
  { shape: ['groups', '*', ':send'], methods: { POST: sendToGroup } },
  { shape: ['groups', '*', ':closeConnections'], methods: { POST: m.closeGroup } },
  { shape: ['groups', '*', 'connections'], methods: { GET: m.listGroup } },
  { shape: ['groups', '*', 'connections', '*'], methods: { PUT: m.addConnectionToGroup, DELETE: m.removeConnectionFromGroup } },
  { shape: ['permissions', '*', 'connections', '*'], methods: { PUT: grantPermission, DELETE: revokePermission, HEAD: checkPermission } },
];
