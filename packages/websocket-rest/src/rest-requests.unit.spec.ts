import { describe, expect, it } from 'vitest';
import type { NotifierCommand } from '@parley/contracts';
import { audienceOf, targetOf, toSeedRequest, toWebPubSubRequest } from './rest-requests.js';

const frame = { type: 'presence', user: 'bob', online: true } as const;
const hub = 'chat';
const v = 'api-version=2024-12-01';

describe('toSeedRequest (seed dialect)', () => {
  const cases: Array<[NotifierCommand, string, string, boolean, boolean]> = [
    [{ action: 'sendToAll', hub, frame }, 'POST', '/ws/api/v1/hubs/chat', true, false],
    [{ action: 'sendToUser', hub, userId: 'bob', frame }, 'POST', '/ws/api/v1/hubs/chat/users/bob', true, false],
    [{ action: 'sendToGroup', hub, group: 'room:dev', frame }, 'POST', '/ws/api/v1/hubs/chat/groups/room%3Adev', true, false],
    [{ action: 'sendToConnection', hub, connectionId: 'c/1', frame }, 'POST', '/ws/api/v1/hubs/chat/connections/c%2F1', true, true],
    [{ action: 'addConnectionToGroup', hub, group: 'g', connectionId: 'c1' }, 'PUT', '/ws/api/v1/hubs/chat/groups/g/connections/c1', false, true],
    [{ action: 'addUserToGroup', hub, group: 'g', userId: 'b ob' }, 'PUT', '/ws/api/v1/hubs/chat/groups/g/users/b%20ob', false, false],
    [{ action: 'removeUserFromGroup', hub, group: 'g', userId: 'bob' }, 'DELETE', '/ws/api/v1/hubs/chat/groups/g/users/bob', false, false],
    [{ action: 'closeConnection', hub, connectionId: 'c1', reason: 'bye now' }, 'DELETE', '/ws/api/v1/hubs/chat/connections/c1?reason=bye%20now', false, true],
    [{ action: 'closeConnection', hub, connectionId: 'c1' }, 'DELETE', '/ws/api/v1/hubs/chat/connections/c1', false, true],
  ];

  it.each(cases)('%o → %s %s', (command, method, path, hasBody, goneIsDone) => {
    const request = toSeedRequest(command);
    expect(request).toMatchObject({ action: command.action, method, path, goneIsDone });
    if (hasBody) expect(JSON.parse(request.body ?? 'null')).toEqual(frame);
    else expect(request.body).toBeUndefined();
  });

  it('never lets a name escape its path segment', () => {
    const request = toSeedRequest({ action: 'sendToGroup', hub, group: '../../users/x?y#z', frame });
    expect(request.path).toBe('/ws/api/v1/hubs/chat/groups/..%2F..%2Fusers%2Fx%3Fy%23z');
  });
});

describe('toWebPubSubRequest (Web PubSub)', () => {
  const cases: Array<[NotifierCommand, string, string, boolean, boolean]> = [
    [{ action: 'sendToAll', hub, frame }, 'POST', `/api/hubs/chat/:send?${v}`, true, false],
    [{ action: 'sendToUser', hub, userId: 'b ob', frame }, 'POST', `/api/hubs/chat/users/b%20ob/:send?${v}`, true, false],
    [{ action: 'sendToGroup', hub, group: 'room:dev', frame }, 'POST', `/api/hubs/chat/groups/room%3Adev/:send?${v}`, true, false],
    [{ action: 'sendToConnection', hub, connectionId: 'c/1', frame }, 'POST', `/api/hubs/chat/connections/c%2F1/:send?${v}`, true, true],
    [{ action: 'addConnectionToGroup', hub, group: 'g', connectionId: 'c1' }, 'PUT', `/api/hubs/chat/groups/g/connections/c1?${v}`, false, true],
    [{ action: 'addUserToGroup', hub, group: 'g', userId: 'bob' }, 'PUT', `/api/hubs/chat/users/bob/groups/g?${v}`, false, false],
    [{ action: 'removeUserFromGroup', hub, group: 'g', userId: 'bob' }, 'DELETE', `/api/hubs/chat/users/bob/groups/g?${v}`, false, false],
    [{ action: 'closeConnection', hub, connectionId: 'c1', reason: 'bye now' }, 'DELETE', `/api/hubs/chat/connections/c1?${v}&reason=bye%20now`, false, true],
  ];

  it.each(cases)('%o → %s %s', (command, method, path, hasBody, goneIsDone) => {
    const request = toWebPubSubRequest(command);
    expect(request).toMatchObject({ action: command.action, method, path, goneIsDone });
    if (hasBody) expect(JSON.parse(request.body ?? 'null')).toEqual(frame);
    else expect(request.body).toBeUndefined();
  });
});

describe('audienceOf', () => {
  it('is the request URL without the query string, port included', () => {
    expect(audienceOf('http://127.0.0.1:8888', '/ws/api/v1/hubs/chat/connections/c1?reason=x')).toBe('http://127.0.0.1:8888/ws/api/v1/hubs/chat/connections/c1');
    expect(audienceOf('https://parley.service.signalr.net', '/ws/api/v1/hubs/chat')).toBe('https://parley.service.signalr.net/ws/api/v1/hubs/chat');
  });
});

describe('targetOf', () => {
  it('names the target for logs without the frame', () => {
    expect(targetOf({ action: 'addUserToGroup', hub, group: 'g', userId: 'bob' })).toEqual({ hub, group: 'g', userId: 'bob' });
    expect(targetOf({ action: 'sendToAll', hub, frame })).toEqual({ hub });
  });
});
