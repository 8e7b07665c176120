import { WebPubSubRestPaths, type NotifierCommand } from '@parley/contracts';
import { goneIsDone, type RestRequest } from './rest-requests.js';

/**
 * One command, one Web PubSub data-plane call (docs/protocols.md §2), for the
 * undici transport the bench compares with Microsoft's SDK. Pure; paths and
 * api-version come from the contracts.
 */
export function toWebPubSubRequest(command: NotifierCommand): RestRequest {
  const { action, hub } = command;
  const base = { action, command, goneIsDone: goneIsDone(action) };
  switch (command.action) {
    case 'sendToAll':
      return { ...base, method: 'POST', path: WebPubSubRestPaths.sendToAll(hub), body: JSON.stringify(command.frame) };
    case 'sendToUser':
      return { ...base, method: 'POST', path: WebPubSubRestPaths.sendToUser(hub, command.userId), body: JSON.stringify(command.frame) };
    case 'sendToGroup':
      return { ...base, method: 'POST', path: WebPubSubRestPaths.sendToGroup(hub, command.group), body: JSON.stringify(command.frame) };
    case 'sendToConnection':
      return { ...base, method: 'POST', path: WebPubSubRestPaths.sendToConnection(hub, command.connectionId), body: JSON.stringify(command.frame) };
    case 'addConnectionToGroup':
      return { ...base, method: 'PUT', path: WebPubSubRestPaths.groupConnection(hub, command.group, command.connectionId) };
    case 'removeConnectionFromGroup':
      return { ...base, method: 'DELETE', path: WebPubSubRestPaths.groupConnection(hub, command.group, command.connectionId) };
    case 'addUserToGroup':
      return { ...base, method: 'PUT', path: WebPubSubRestPaths.userGroup(hub, command.userId, command.group) };
    case 'removeUserFromGroup':
      return { ...base, method: 'DELETE', path: WebPubSubRestPaths.userGroup(hub, command.userId, command.group) };
    case 'closeConnection':
      return { ...base, method: 'DELETE', path: WebPubSubRestPaths.closeConnection(hub, command.connectionId, command.reason) };
  }
}
