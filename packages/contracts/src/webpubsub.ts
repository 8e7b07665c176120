import { Type, type Static } from '@sinclair/typebox';
import { ErrorCodes, fail, ok, type Result } from './errors.js';
import { compile } from './validate.js';

/**
 * Azure Web PubSub wire shapes (docs/protocols.md §2): event-handler headers,
 * connect bodies, client tokens and REST paths. The chat-worker and the notifier
 * commands stay dialect-free; only the edges (gateway, notifier transport,
 * stack, CLI) read this file.
 */

/** The CloudEvents (binary mode) and abuse-protection headers, lower-cased as node's http gives them. */
export const WebPubSubHeaders = {
  specVersion: 'ce-specversion',
  awpsVersion: 'ce-awpsversion',
  type: 'ce-type',
  source: 'ce-source',
  id: 'ce-id',
  time: 'ce-time',
  hub: 'ce-hub',
  connectionId: 'ce-connectionid',
  userId: 'ce-userid',
  eventName: 'ce-eventname',
  subprotocol: 'ce-subprotocol',
  connectionState: 'ce-connectionstate',
  signature: 'ce-signature',
  requestOrigin: 'webhook-request-origin',
  allowedOrigin: 'webhook-allowed-origin',
} as const;

export const WebPubSubEventTypes = {
  connect: 'azure.webpubsub.sys.connect',
  connected: 'azure.webpubsub.sys.connected',
  disconnected: 'azure.webpubsub.sys.disconnected',
  /** Followed by the event name: `message` for simple clients. */
  userPrefix: 'azure.webpubsub.user.',
} as const;

/** The user event every frame of a simple client (no or a custom subprotocol) becomes. */
export const WEBPUBSUB_MESSAGE_EVENT = 'message';
/** The API version the REST calls name (docs/protocols.md §2; the newest the SDK speaks). */
export const WEBPUBSUB_API_VERSION = '2024-12-01';
/** Microsoft Entra ID scope of the data-plane REST API (role "Web PubSub Service Owner"). */
export const WEBPUBSUB_ENTRA_SCOPE = 'https://webpubsub.azure.com/.default';
/** Where the gateway answers the event handler calls; the hub's URL template points here. */
export const WEBPUBSUB_EVENT_HANDLER_PATH = '/api/webpubsub/events';
/** The system events Parley's hub subscribes to (its user event pattern is `*`). */
export const WEBPUBSUB_SYSTEM_EVENTS = ['connect', 'connected', 'disconnected'] as const;

export type WebPubSubEventKind = 'connect' | 'connected' | 'disconnected' | 'user';

/** One event-handler call, as read from its headers. The signature is not verified here. */
export interface WebPubSubEventContext {
  readonly kind: WebPubSubEventKind;
  /** `connect`, `connected`, `disconnected` or the user event's name (`message`). */
  readonly eventName: string;
  readonly hub: string;
  readonly connectionId: string;
  /** Absent for an anonymous connection. */
  readonly userId?: string;
  readonly signature?: string;
  /** `WebHook-Request-Origin`: the service host that calls. */
  readonly origin?: string;
  readonly subprotocol?: string;
}

type HeaderBag = Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

function kindOf(type: string): { kind: WebPubSubEventKind; eventName: string } | undefined {
  switch (type) {
    case WebPubSubEventTypes.connect:
      return { kind: 'connect', eventName: 'connect' };
    case WebPubSubEventTypes.connected:
      return { kind: 'connected', eventName: 'connected' };
    case WebPubSubEventTypes.disconnected:
      return { kind: 'disconnected', eventName: 'disconnected' };
  }
  if (type.startsWith(WebPubSubEventTypes.userPrefix) && type.length > WebPubSubEventTypes.userPrefix.length) {
    return { kind: 'user', eventName: type.slice(WebPubSubEventTypes.userPrefix.length) };
  }
  return undefined;
}

/** Reads the ce-* headers of one event-handler POST (docs/protocols.md §2). */
export function readWebPubSubEvent(headers: HeaderBag): Result<WebPubSubEventContext> {
  const type = header(headers, WebPubSubHeaders.type);
  const hub = header(headers, WebPubSubHeaders.hub);
  const connectionId = header(headers, WebPubSubHeaders.connectionId);
  if (!header(headers, WebPubSubHeaders.awpsVersion)) return fail(ErrorCodes.headerMissing, 'ce-awpsversion is missing: not a Web PubSub event');
  if (!type) return fail(ErrorCodes.headerMissing, 'ce-type is missing');
  const kind = kindOf(type);
  if (!kind) return fail(ErrorCodes.headerMissing, `ce-type "${type}" is not a Web PubSub event type`);
  if (!hub) return fail(ErrorCodes.headerMissing, 'ce-hub is missing');
  if (!connectionId) return fail(ErrorCodes.headerMissing, 'ce-connectionId is missing');
  const userId = header(headers, WebPubSubHeaders.userId);
  const signature = header(headers, WebPubSubHeaders.signature);
  const origin = header(headers, WebPubSubHeaders.requestOrigin);
  const subprotocol = header(headers, WebPubSubHeaders.subprotocol);
  return ok({
    ...kind,
    hub,
    connectionId,
    ...(userId ? { userId } : {}),
    ...(signature ? { signature } : {}),
    ...(origin ? { origin } : {}),
    ...(subprotocol ? { subprotocol } : {}),
  });
}

const Multi = Type.Record(Type.String(), Type.Array(Type.String()));

/** The body of a `connect` event. Lenient: the service may add fields. */
export const WebPubSubConnectRequest = Type.Object({
  claims: Type.Optional(Multi),
  query: Type.Optional(Multi),
  headers: Type.Optional(Multi),
  subprotocols: Type.Optional(Type.Array(Type.String())),
});
export type WebPubSubConnectRequest = Static<typeof WebPubSubConnectRequest>;

const connectRequest = compile(WebPubSubConnectRequest, ErrorCodes.eventBodyInvalid, 'connect event body');

/** The connect body, checked; an empty body is an empty request. */
export function parseWebPubSubConnect(body: unknown): Result<WebPubSubConnectRequest> {
  return body === undefined || body === null ? ok({}) : connectRequest.validate(body);
}

/** The answer to `connect` (all optional; never a blank subprotocol). */
export interface WebPubSubConnectResponse {
  readonly userId?: string;
  readonly groups?: readonly string[];
  readonly roles?: readonly string[];
  readonly subprotocol?: string;
}

/** Claims of a client access token (HS256 with the AccessKey). */
export interface WebPubSubClientClaims {
  readonly aud: string;
  readonly sub?: string;
  readonly role?: readonly string[];
  readonly 'webpubsub.group'?: readonly string[];
  readonly exp: number;
  readonly iat?: number;
}

const e = encodeURIComponent;

/** The client path of a hub. */
export const webPubSubClientPath = (hub: string): string => `/client/hubs/${e(hub)}`;

/** A client token's `aud`: the http(s) form of the client URL. `baseUrl` is `http(s)://host[:port]`. */
export const webPubSubClientAudience = (baseUrl: string, hub: string): string => `${baseUrl.replace(/\/+$/, '')}${webPubSubClientPath(hub)}`;

/** The ws(s) URL a client opens; `baseUrl` may be http(s) or ws(s). */
export function webPubSubClientUrl(baseUrl: string, hub: string, token: string): string {
  const ws = baseUrl.replace(/\/+$/, '').replace(/^http(s?):\/\//i, 'ws$1://');
  return `${ws}${webPubSubClientPath(hub)}?access_token=${e(token)}`;
}

const hubBase = (hub: string) => `/api/hubs/${e(hub)}`;
const version = `api-version=${WEBPUBSUB_API_VERSION}`;

/**
 * The data-plane REST paths the notifier uses (docs/protocols.md §2), each with
 * its api-version. Every name is percent-encoded, as in the seed RestPaths.
 */
export const WebPubSubRestPaths = {
  sendToAll: (hub: string) => `${hubBase(hub)}/:send?${version}`,
  sendToUser: (hub: string, user: string) => `${hubBase(hub)}/users/${e(user)}/:send?${version}`,
  sendToConnection: (hub: string, connectionId: string) => `${hubBase(hub)}/connections/${e(connectionId)}/:send?${version}`,
  sendToGroup: (hub: string, group: string) => `${hubBase(hub)}/groups/${e(group)}/:send?${version}`,
  groupConnection: (hub: string, group: string, connectionId: string) => `${hubBase(hub)}/groups/${e(group)}/connections/${e(connectionId)}?${version}`,
  userGroup: (hub: string, user: string, group: string) => `${hubBase(hub)}/users/${e(user)}/groups/${e(group)}?${version}`,
  closeConnection: (hub: string, connectionId: string, reason?: string) =>
    `${hubBase(hub)}/connections/${e(connectionId)}?${version}${reason ? `&reason=${e(reason)}` : ''}`,
} as const;

/** The `WebPubSub` section of an emulator `appsettings.json` / one hub's event handler, as Microsoft's emulator reads it. */
export interface WebPubSubEventHandlerSetting {
  readonly UrlTemplate: string;
  readonly SystemEvents?: readonly string[];
  readonly EventPattern?: string;
}

/** Parley's event handler for a hub whose gateway is at `gatewayBaseUrl`. */
export function parleyEventHandler(gatewayBaseUrl: string): WebPubSubEventHandlerSetting {
  return { UrlTemplate: `${gatewayBaseUrl.replace(/\/+$/, '')}${WEBPUBSUB_EVENT_HANDLER_PATH}`, SystemEvents: [...WEBPUBSUB_SYSTEM_EVENTS], EventPattern: '*' };
}
