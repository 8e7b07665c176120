import { RestPaths, WebPubSubRestPaths, type NotifierAction, type NotifierCommand } from '@parley/contracts';

export interface RestRequest {
  readonly action: NotifierAction;
  readonly method: 'POST' | 'PUT' | 'DELETE';
  /** Path and query, every name encoded by the contracts' path builders. */
  readonly path: string;
  /** JSON text of the frame for sends; none for membership and close. */
  readonly body?: string;
  /** A 404 means the connection is gone: nothing left to do, not an error. */
  readonly goneIsDone: boolean;
}

/** Maps a command to one REST call of a dialect. */
export type ToRestRequest = (command: NotifierCommand) => RestRequest;

/**
 * The paths a dialect's REST API gives each target, under one set of names and
 * one argument order, so the command table below serves both dialects.
 */
export interface DialectPaths {
  sendToAll(hub: string): string;
  sendToUser(hub: string, userId: string): string;
  sendToGroup(hub: string, group: string): string;
  sendToConnection(hub: string, connectionId: string): string;
  groupConnection(hub: string, group: string, connectionId: string): string;
  groupUser(hub: string, group: string, userId: string): string;
  closeConnection(hub: string, connectionId: string, reason?: string): string;
}

/** The seed dialect's paths (docs/protocols.md §1). */
export const seedPaths: DialectPaths = {
  sendToAll: RestPaths.broadcast,
  sendToUser: RestPaths.user,
  sendToGroup: RestPaths.group,
  sendToConnection: RestPaths.connection,
  groupConnection: RestPaths.groupConnection,
  groupUser: RestPaths.groupUser,
  closeConnection: RestPaths.closeConnection,
};

/** Web PubSub's data-plane paths with their api-version (docs/protocols.md §2); its user-group path names the user first. */
export const webPubSubPaths: DialectPaths = {
  sendToAll: WebPubSubRestPaths.sendToAll,
  sendToUser: WebPubSubRestPaths.sendToUser,
  sendToGroup: WebPubSubRestPaths.sendToGroup,
  sendToConnection: WebPubSubRestPaths.sendToConnection,
  groupConnection: WebPubSubRestPaths.groupConnection,
  groupUser: (hub, group, userId) => WebPubSubRestPaths.userGroup(hub, userId, group),
  closeConnection: WebPubSubRestPaths.closeConnection,
};

type CommandOf<A extends NotifierAction> = Extract<NotifierCommand, { action: A }>;
type Call = Pick<RestRequest, 'method' | 'path' | 'body'>;

interface CommandCall<A extends NotifierAction> {
  /** The call, given the dialect's paths. */
  readonly call: (command: CommandOf<A>, paths: DialectPaths) => Call;
  /** Commands about one connection: a 404 there means the connection is gone (both dialects). */
  readonly goneIsDone: boolean;
}

const send = (path: string, frame: unknown): Call => ({ method: 'POST', path, body: JSON.stringify(frame) });

/** Every command, once, for both dialects: method, path and body, and whether a 404 means done. */
const commandCalls: { readonly [A in NotifierAction]: CommandCall<A> } = {
  sendToAll: { goneIsDone: false, call: (c, p) => send(p.sendToAll(c.hub), c.frame) },
  sendToUser: { goneIsDone: false, call: (c, p) => send(p.sendToUser(c.hub, c.userId), c.frame) },
  sendToGroup: { goneIsDone: false, call: (c, p) => send(p.sendToGroup(c.hub, c.group), c.frame) },
  sendToConnection: { goneIsDone: true, call: (c, p) => send(p.sendToConnection(c.hub, c.connectionId), c.frame) },
  addConnectionToGroup: { goneIsDone: true, call: (c, p) => ({ method: 'PUT', path: p.groupConnection(c.hub, c.group, c.connectionId) }) },
  addUserToGroup: { goneIsDone: false, call: (c, p) => ({ method: 'PUT', path: p.groupUser(c.hub, c.group, c.userId) }) },
  removeUserFromGroup: { goneIsDone: false, call: (c, p) => ({ method: 'DELETE', path: p.groupUser(c.hub, c.group, c.userId) }) },
  closeConnection: { goneIsDone: true, call: (c, p) => ({ method: 'DELETE', path: p.closeConnection(c.hub, c.connectionId, c.reason) }) },
};

/** The request mapper of one dialect. Pure, so the mapping is tested without a network. */
export function requestsFor(paths: DialectPaths): ToRestRequest {
  return (command) => {
    // The table is keyed by action, so the entry fits the command; TypeScript cannot correlate the two unions.
    const entry = commandCalls[command.action] as CommandCall<NotifierAction> as { call: (c: NotifierCommand, p: DialectPaths) => Call; goneIsDone: boolean };
    return { action: command.action, goneIsDone: entry.goneIsDone, ...entry.call(command, paths) };
  };
}

/** One command, one REST call of the seed dialect. */
export const toSeedRequest: ToRestRequest = requestsFor(seedPaths);
/** One command, one Web PubSub data-plane call. */
export const toWebPubSubRequest: ToRestRequest = requestsFor(webPubSubPaths);

/** The token audience of a call: the request URL without its query string. */
export function audienceOf(baseUrl: string, path: string): string {
  const query = path.indexOf('?');
  return `${baseUrl}${query === -1 ? path : path.slice(0, query)}`;
}

/** Describes the target for logs, without the frame. */
export function targetOf(command: NotifierCommand): Record<string, string> {
  const target: Record<string, string> = { hub: command.hub };
  if ('group' in command) target.group = command.group;
  if ('userId' in command) target.userId = command.userId;
  if ('connectionId' in command) target.connectionId = command.connectionId;
  return target;
}
