/**
 * The serverless WebSocket REST API paths (docs/protocols.md §1). Every name is
 * percent-encoded, so `../`, `%2F`, `?` or `#` in a room or user name can never
 * change which resource a call addresses.
 */
const e = encodeURIComponent;
const hubBase = (hub: string) => `/ws/api/v1/hubs/${e(hub)}`;

export const RestPaths = {
  broadcast: (hub: string) => hubBase(hub),
  user: (hub: string, user: string) => `${hubBase(hub)}/users/${e(user)}`,
  connection: (hub: string, connectionId: string) => `${hubBase(hub)}/connections/${e(connectionId)}`,
  group: (hub: string, group: string) => `${hubBase(hub)}/groups/${e(group)}`,
  groupConnection: (hub: string, group: string, connectionId: string) =>
    `${hubBase(hub)}/groups/${e(group)}/connections/${e(connectionId)}`,
  groupUser: (hub: string, group: string, user: string) => `${hubBase(hub)}/groups/${e(group)}/users/${e(user)}`,
  closeConnection: (hub: string, connectionId: string, reason?: string) =>
    `${hubBase(hub)}/connections/${e(connectionId)}${reason ? `?reason=${e(reason)}` : ''}`,
} as const;

/** The SignalR group a room maps to. Kept apart from any user-chosen name space. */
export function roomGroup(room: string): string {
  return `room:${room}`;
}

/** Client WebSocket path for a hub on the service. */
export function clientPath(hub: string): string {
  return `/ws/client/hubs/${e(hub)}`;
}
