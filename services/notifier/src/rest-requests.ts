import { RestPaths, type NotifierAction, type NotifierCommand } from '@parley/contracts';

export interface RestRequest {
  readonly action: NotifierAction;
  /** The command this call carries out (the SDK transport calls by command, not by path). */
  readonly command: NotifierCommand;
  readonly method: 'POST' | 'PUT' | 'DELETE';
  /** Path and query, every name encoded by the contracts' RestPaths. */
  readonly path: string;
  /** JSON text of the frame for sends; none for membership and close. */
  readonly body?: string;
  /** A 404 means the connection is gone: nothing left to do, not an error. */
  readonly goneIsDone: boolean;
}

/** Commands about one connection: a 404 there means the connection is gone (both dialects). */
export function goneIsDone(action: NotifierAction): boolean {
  return action === 'sendToConnection' || action === 'closeConnection' || action === 'addConnectionToGroup' || action === 'removeConnectionFromGroup';
}

/** Maps a command to the dialect's REST call: the seed paths here, Web PubSub's in webpubsub-requests.ts. */
export type ToRestRequest = (command: NotifierCommand) => RestRequest;

/** One command, one REST call of the seed dialect (docs/protocols.md §1). Pure, so the mapping is tested without a network. */
export function toRestRequest(command: NotifierCommand): RestRequest {
  return { ...seedCall(command), command, goneIsDone: goneIsDone(command.action) };
}

function seedCall(command: NotifierCommand): Omit<RestRequest, 'command' | 'goneIsDone'> {
  const { action, hub } = command;
  switch (command.action) {
    case 'sendToAll':
      return { action, method: 'POST', path: RestPaths.broadcast(hub), body: JSON.stringify(command.frame) };
    case 'sendToUser':
      return { action, method: 'POST', path: RestPaths.user(hub, command.userId), body: JSON.stringify(command.frame) };
    case 'sendToGroup':
      return { action, method: 'POST', path: RestPaths.group(hub, command.group), body: JSON.stringify(command.frame) };
    case 'sendToConnection':
      return { action, method: 'POST', path: RestPaths.connection(hub, command.connectionId), body: JSON.stringify(command.frame) };
    case 'addConnectionToGroup':
      return { action, method: 'PUT', path: RestPaths.groupConnection(hub, command.group, command.connectionId) };
    case 'removeConnectionFromGroup':
      return { action, method: 'DELETE', path: RestPaths.groupConnection(hub, command.group, command.connectionId) };
    case 'addUserToGroup':
      return { action, method: 'PUT', path: RestPaths.groupUser(hub, command.group, command.userId) };
    case 'removeUserFromGroup':
      return { action, method: 'DELETE', path: RestPaths.groupUser(hub, command.group, command.userId) };
    case 'closeConnection':
      return { action, method: 'DELETE', path: RestPaths.closeConnection(hub, command.connectionId, command.reason) };
  }
}

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
