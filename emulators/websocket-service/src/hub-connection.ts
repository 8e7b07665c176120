import type { Member } from './groups.js';

/**
 * What a REST send carries, whichever API it came through: the body and the
 * kind its content type names (`undefined`: no or another content type, so
 * the receiving connection's own format decides). `protobuf` is a
 * `google.protobuf.Any` a protobuf Web PubSub client published: bytes to
 * every client that is not a protobuf one.
 */
export type DataKind = 'text' | 'json' | 'binary' | 'protobuf';

export interface Payload {
  readonly data: Buffer;
  readonly kind: DataKind | undefined;
  /** `messageTtlSeconds` of a REST send as a `Date.now()` deadline: a message still held for a client past it is dropped. */
  readonly expiresAt?: number;
}

/** Where a payload comes from, for clients whose protocol says so (Web PubSub JSON clients). */
export type Origin = { readonly from: 'server' } | { readonly from: 'group'; readonly group: string; readonly fromUserId: string | undefined };

export const FROM_SERVER: Origin = Object.freeze({ from: 'server' });

/**
 * A connection of either face (the seed `/ws/client` dialect or Web PubSub's
 * `/client`), as the shared registry, REST API and fan-out see it.
 */
export interface HubConnection extends Member {
  readonly face: 'seed' | 'webpubsub';
  /** The negotiated subprotocol, when any (OData `protocol` in Web PubSub filters). */
  readonly protocol: string | undefined;
  /** Cleared by each keep-alive ping; set by a pong or any frame. */
  alive: boolean;
  /** Queues one payload to the client in the client's own framing; false when it was not sent. */
  deliver(payload: Payload, origin: Origin): boolean;
  /** Sends a close frame, and destroys the socket if the peer does not answer in time. */
  close(code: number, reason: string): void;
  terminate(): void;
  ping(): void;
}
