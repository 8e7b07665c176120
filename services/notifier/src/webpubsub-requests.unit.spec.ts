import { describe, expect, it } from 'vitest';
import type { NotifierCommand } from '@parley/contracts';
import { toWebPubSubRequest } from './webpubsub-requests.js';

const frame = { type: 'presence', user: 'bob', online: true } as const;
const hub = 'chat';
const v = 'api-version=2024-12-01';

describe('toWebPubSubRequest', () => {
  const cases: Array<[NotifierCommand, string, string, boolean, boolean]> = [
    [{ action: 'sendToAll', hub, frame }, 'POST', `/api/hubs/chat/:send?${v}`, true, false],
    [{ action: 'sendToUser', hub, userId: 'b ob', frame }, 'POST', `/api/hubs/chat/users/b%20ob/:send?${v}`, true, false],
    [{ action: 'sendToGroup', hub, group: 'room:dev', frame }, 'POST', `/api/hubs/chat/groups/room%3Adev/:send?${v}`, true, false],
    [{ action: 'sendToConnection', hub, connectionId: 'c/1', frame }, 'POST', `/api/hubs/chat/connections/c%2F1/:send?${v}`, true, true],
    [{ action: 'addConnectionToGroup', hub, group: 'g', connectionId: 'c1' }, 'PUT', `/api/hubs/chat/groups/g/connections/c1?${v}`, false, true],
    [{ action: 'removeConnectionFromGroup', hub, group: 'g', connectionId: 'c1' }, 'DELETE', `/api/hubs/chat/groups/g/connections/c1?${v}`, false, true],
    [{ action: 'addUserToGroup', hub, group: 'g', userId: 'bob' }, 'PUT', `/api/hubs/chat/users/bob/groups/g?${v}`, false, false],
    [{ action: 'removeUserFromGroup', hub, group: 'g', userId: 'bob' }, 'DELETE', `/api/hubs/chat/users/bob/groups/g?${v}`, false, false],
    [{ action: 'closeConnection', hub, connectionId: 'c1', reason: 'bye now' }, 'DELETE', `/api/hubs/chat/connections/c1?${v}&reason=bye%20now`, false, true],
  ];

  it.each(cases)('%o → %s %s', (command, method, path, hasBody, goneIsDone) => {
    const request = toWebPubSubRequest(command);
    expect(request).toMatchObject({ action: command.action, command, method, path, goneIsDone });
    if (hasBody) expect(JSON.parse(request.body ?? 'null')).toEqual(frame);
    else expect(request.body).toBeUndefined();
  });
});
