import { AzureKeyCredential, WebPubSubServiceClient } from '@azure/web-pubsub';
import { DefaultAzureCredential } from '@azure/identity';
import { decodeJwt } from 'jose';
import { clientPath, webPubSubClientUrl, type ServerFrame } from '@parley/contracts';
import type { WebSocketService } from '@parley/service-kit';
import type { GatewayConfig } from '../config.js';
import type { IssuedToken } from '../tokens.js';

/** What negotiate hands out: the client URL (token included) and the token alone. */
export interface ClientTicket extends IssuedToken {
  readonly url: string;
}

/** The dialect's answer to "where does this user connect, with which token". */
export interface ClientEndpoint {
  ticket(user: string): Promise<ClientTicket>;
}

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

/** Seed dialect: the gateway's own token, checked by the gateway on `connect`. */
export function seedClientEndpoint(config: GatewayConfig, issue: (user: string) => Promise<IssuedToken>): ClientEndpoint {
  return {
    async ticket(user) {
      const issued = await issue(user);
      return { ...issued, url: `${config.publicWsBase}${clientPath(config.hub)}?access_token=${encodeURIComponent(issued.token)}` };
    },
  };
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
    async ticket(user) {
      const { token } = await client.getClientAccessToken({ userId: user, expirationTimeInMinutes: minutes });
      const exp = decodeJwt(token).exp;
      const expiresAt = new Date((exp ?? Math.floor(Date.now() / 1000) + minutes * 60) * 1000).toISOString();
      return { token, user, expiresAt, url: webPubSubClientUrl(config.publicWsBase, config.hub, token) };
    },
  };
}

/** Sends one frame to one connection (the `hello` Web PubSub cannot carry in its connect answer). */
export type SendToConnection = (connectionId: string, frame: ServerFrame) => Promise<void>;

export function webPubSubSender(client: WebPubSubServiceClient): SendToConnection {
  return async (connectionId, frame) => {
    // An object goes as application/json, which a simple client receives as a text frame.
    await client.sendToConnection(connectionId, frame);
  };
}
