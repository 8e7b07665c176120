import { AzureKeyCredential, WebPubSubServiceClient } from '@azure/web-pubsub';
import { DefaultAzureCredential } from '@azure/identity';
import type { NotifierCommand } from '@parley/contracts';
import type { WebSocketService } from '@parley/service-kit';
import { parseRetryAfter } from './retry.js';
import { ERROR_BODY_LIMIT, type Attempt, type RestTransport } from './transport.js';

interface Options {
  readonly abortSignal: AbortSignal;
  readonly onResponse: (response: { status: number }) => void;
}

/** The SDK's error shape (RestError of @azure/core-rest-pipeline), read by duck typing. */
interface SdkError {
  readonly name?: string;
  readonly statusCode?: number;
  readonly message?: string;
  readonly response?: { readonly bodyAsText?: string | null; readonly headers?: { get(name: string): string | undefined } };
}

/**
 * Web PubSub REST through Microsoft's `@azure/web-pubsub` (issue 18): a key
 * credential from the connection string, or Microsoft Entra ID
 * (DefaultAzureCredential: workload identity on AKS, role "Web PubSub Service
 * Owner"). The SDK's own retries are off (`maxRetries: 0`): every transport
 * shares rest-client.ts's retry policy, so Retry-After, dead-lettering and
 * gone connections behave the same in both dialects.
 */
export function createWebPubSubSdkTransport(service: WebSocketService): RestTransport {
  const key = service.accessKeys[0];
  const auth = service.credential === 'key' && key ? new AzureKeyCredential(key) : new DefaultAzureCredential();
  const clientOptions = { allowInsecureConnection: service.baseUrl.startsWith('http://'), retryOptions: { maxRetries: 0 } };
  // The SDK's client is per hub; commands name theirs.
  const clients = new Map<string, WebPubSubServiceClient>();
  const clientFor = (hub: string) => {
    let client = clients.get(hub);
    if (!client) {
      client = new WebPubSubServiceClient(service.baseUrl, auth, hub, clientOptions);
      clients.set(hub, client);
    }
    return client;
  };

  return {
    async attempt(request, timeoutMs): Promise<Attempt> {
      const abortSignal = AbortSignal.timeout(timeoutMs);
      let status = 0;
      const options: Options = { abortSignal, onResponse: (response) => (status = response.status) };
      try {
        await invoke(clientFor(request.command.hub), request.command, options);
        return { kind: 'answer', status, body: '', retryAfterMs: undefined };
      } catch (error) {
        return fromError(error as SdkError, abortSignal);
      }
    },
    async close() {
      // The SDK's pipeline keeps no pool that needs closing; dropping the clients is enough.
      clients.clear();
    },
  };
}

/** One command, one SDK call; JSON objects go as `application/json` (text frames for simple clients). */
function invoke(client: WebPubSubServiceClient, command: NotifierCommand, options: Options): Promise<unknown> {
  switch (command.action) {
    case 'sendToAll':
      return client.sendToAll(command.frame, options);
    case 'sendToUser':
      return client.sendToUser(command.userId, command.frame, options);
    case 'sendToConnection':
      return client.sendToConnection(command.connectionId, command.frame, options);
    case 'sendToGroup':
      return client.group(command.group).sendToAll(command.frame, options);
    case 'addConnectionToGroup':
      return client.group(command.group).addConnection(command.connectionId, options);
    case 'removeConnectionFromGroup':
      return client.group(command.group).removeConnection(command.connectionId, options);
    case 'addUserToGroup':
      return client.group(command.group).addUser(command.userId, options);
    case 'removeUserFromGroup':
      return client.group(command.group).removeUser(command.userId, options);
    case 'closeConnection':
      return client.closeConnection(command.connectionId, { ...options, ...(command.reason ? { reason: command.reason } : {}) });
  }
}

function fromError(error: SdkError, abortSignal: AbortSignal): Attempt {
  if (typeof error?.statusCode === 'number') {
    const body = (error.response?.bodyAsText ?? error.message ?? '').slice(0, ERROR_BODY_LIMIT);
    return { kind: 'answer', status: error.statusCode, body, retryAfterMs: parseRetryAfter(error.response?.headers?.get('retry-after')) };
  }
  const cause = abortSignal.aborted || error?.name === 'AbortError' ? 'timeout' : 'network';
  return { kind: 'failure', cause, error: error instanceof Error ? error : new Error(String(error)) };
}
