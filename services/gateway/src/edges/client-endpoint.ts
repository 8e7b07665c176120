import { clientPath, type ServerFrame } from '@parley/contracts';
import type { GatewayConfig } from '../config.js';
import type { IssuedToken, TokenIdentity } from '../tokens.js';

/** What negotiate hands out: the client URL (token included) and the token alone. */
export interface ClientTicket extends IssuedToken {
  readonly url: string;
}

/** The dialect's answer to "where does this user connect, with which token". */
export interface ClientEndpoint {
  ticket(identity: TokenIdentity): Promise<ClientTicket>;
}

/** Sends one frame to one connection (the `hello` Web PubSub cannot carry in its connect answer). */
export type SendToConnection = (connectionId: string, frame: ServerFrame) => Promise<void>;

/** Seed dialect: the gateway's own token, checked by the gateway on `connect`. */
export function seedClientEndpoint(config: GatewayConfig, issue: (user: string, displayName?: string) => Promise<IssuedToken>): ClientEndpoint {
  return {
    async ticket({ user, displayName }) {
      const issued = await issue(user, displayName);
      return { ...issued, url: `${config.publicWsBase}${clientPath(config.hub)}?access_token=${encodeURIComponent(issued.token)}` };
    },
  };
}
