import { AzureKeyCredential, WebPubSubServiceClient } from '@azure/web-pubsub';
import { DefaultAzureCredential } from '@azure/identity';
import { decodeJwt } from 'jose';
import { webPubSubClientUrl } from '@parley/contracts';
import type { WebSocketService } from '@parley/service-kit';
import type { GatewayConfig } from '../../config.js';
import type { ClientEndpoint, SendToConnection } from '../client-endpoint.js';

// Loaded only on the Web PubSub dialect (chat-edges.ts imports this file dynamically), so the
// seed dialect's start-up does not pay for the SDK.

/**
 * The Web PubSub data-plane client of the gateway, through Microsoft's SDK:
 * key credential from the connection string, or Microsoft Entra ID
 * (DefaultAzureCredential: workload identity on AKS) with only the endpoint.
 */
export function createWebPubSubClient(service: WebSocketService, hub: string): WebPubSubServiceClient {
  // The SDK refuses http:// endpoints (the local emulator) unless told; Azure is always https.
  // A few quick retries: the client is only used for tokens under Entra ID and for the one hello per connection.
  const options = { allowInsecureConnection: service.baseUrl.startsWith('http://'), retryOptions: { maxRetries: 2, retryDelayInMs: 200, maxRetryDelayInMs: 1_000 } };
  const key = service.accessKeys[0];
  return service.credential === 'key' && key
    ? new WebPubSubServiceClient(service.baseUrl, new AzureKeyCredential(key), hub, options)
    : new WebPubSubServiceClient(service.baseUrl, new DefaultAzureCredential(), hub, options);
}

/**
 * Web PubSub: a client access token of the service (`sub` = the user, `aud` =
 * the hub's client URL), which the service itself checks at the handshake.
 * Signed locally with the key, or issued by the service's `:generateToken`
 * under Entra ID. Minutes are the SDK's unit: the lifetime is TOKEN_TTL_SECONDS
 * rounded up to a minute; the service checks `exp` only at connect.
 */
export function webPubSubClientEndpoint(config: GatewayConfig, client: WebPubSubServiceClient): ClientEndpoint {
  const minutes = Math.max(1, Math.ceil(config.auth.tokenTtlSeconds / 60));
  return {
    async ticket({ user, displayName }) {
      // The service's token has no room for our claims: the name goes back in the negotiate answer only.
      const { token } = await client.getClientAccessToken({ userId: user, expirationTimeInMinutes: minutes });
      const exp = decodeJwt(token).exp;
      const expiresAt = new Date((exp ?? Math.floor(Date.now() / 1000) + minutes * 60) * 1000).toISOString();
      return { token, user, ...(displayName ? { displayName } : {}), expiresAt, url: webPubSubClientUrl(config.publicWsBase, config.hub, token) };
    },
  };
}

export function webPubSubSender(client: WebPubSubServiceClient): SendToConnection {
  return async (connectionId, frame) => {
    // An object goes as application/json, which a simple client receives as a text frame.
    await client.sendToConnection(connectionId, frame);
  };
}
