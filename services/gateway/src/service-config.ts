import { ConfigError, readWebSocketService, type EnvReader, type WebSocketService } from '@parley/service-kit';

/** Microsoft Entra ID tokens that the hub's event handler auth sends (no access key known). */
export interface HandlerEntraAuth {
  /** The resource (application ID URI or client id) configured on the hub's event handler. */
  readonly audience: string;
  /** v1 and v2 issuers of the tenant. */
  readonly issuers: readonly string[];
  readonly jwksUrl: string;
  /**
   * Object ids (`oid`) of the identities allowed to call: the hub's managed
   * identity. Empty when only the app role is checked.
   */
  readonly allowedObjectIds: readonly string[];
  /** An app role (`roles` claim) the caller must hold; undefined when only the object ids are checked. */
  readonly requiredRole?: string;
}

/** What only the Web PubSub edge reads. */
export interface WebPubSubEdgeConfig {
  /** Hosts whose abuse-protection `OPTIONS` is answered (`WebHook-Request-Origin`). */
  readonly allowedOrigins: readonly string[];
  /** How event-handler calls are authenticated: `ce-signature` with the keys, or an Entra ID bearer token. */
  readonly handlerAuth: { readonly kind: 'signature' } | ({ readonly kind: 'entra' } & HandlerEntraAuth);
}

export interface ServiceEdge {
  readonly service: WebSocketService;
  /** Keys that may sign upstream / event-handler calls: primary, then secondary. */
  readonly accessKeys: readonly string[];
  /** Base of the client URL negotiate hands out (ws(s), no trailing slash). */
  readonly publicWsBase: string;
  readonly webPubSub?: WebPubSubEdgeConfig;
}

/** http→ws, https→wss; ws(s) kept; no trailing slash. */
export function toWsBase(url: string): string {
  const parsed = new URL(url);
  const scheme = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' }[parsed.protocol];
  if (!scheme) throw new Error(`unsupported scheme ${parsed.protocol}`);
  parsed.protocol = scheme;
  parsed.search = '';
  parsed.hash = '';
  return parsed.toString().replace(/\/+$/, '');
}

/** The gateway's side of `WEBSOCKET_SERVICE` (service-kit reads the shared part); throws a ConfigError naming the variable. */
export function readServiceEdge(env: EnvReader): ServiceEdge {
  const service = readWebSocketService(env);
  const publicVar = service.dialect === 'webpubsub' ? 'WEBPUBSUB_PUBLIC_URL' : 'SIGNALR_PUBLIC_URL';
  const publicUrl = env.optionalString(publicVar);
  let publicWsBase: string;
  try {
    publicWsBase = toWsBase(publicUrl ?? service.baseUrl);
  } catch {
    throw new ConfigError(publicUrl ? publicVar : 'WEBSOCKET_SERVICE', `must be an http(s) or ws(s) URL, got "${publicUrl ?? service.baseUrl}"`);
  }
  const edge = { service, accessKeys: service.accessKeys, publicWsBase };
  if (service.dialect !== 'webpubsub') return Object.freeze(edge);

  const host = new URL(service.baseUrl);
  const allowedOrigins = env.list('WEBPUBSUB_ALLOWED_ORIGINS', [...new Set([host.host, host.hostname])]);
  return Object.freeze({ ...edge, webPubSub: Object.freeze({ allowedOrigins: Object.freeze(allowedOrigins), handlerAuth: readHandlerAuth(env, service) }) });
}

/**
 * With a key, every event-handler call must carry a `ce-signature` made with it.
 * Without one (Entra ID only) the hub's event handler must be configured with
 * managed-identity auth, and the gateway checks that bearer token instead; with
 * neither, the handler would be open, so the gateway refuses to start.
 */
function readHandlerAuth(env: EnvReader, service: WebSocketService): WebPubSubEdgeConfig['handlerAuth'] {
  const audience = env.optionalString('WEBPUBSUB_HANDLER_AUDIENCE');
  if (service.accessKeys.length > 0 && !audience) return { kind: 'signature' };
  if (!audience) {
    throw new ConfigError(
      'WEBPUBSUB_HANDLER_AUDIENCE',
      'is required when no access key is known (WEBPUBSUB_ENDPOINT without WEBPUBSUB_ACCESS_KEY): the event handler must check the Entra ID token the hub sends',
    );
  }
  const tenant = env.string('AZURE_TENANT_ID');
  if (!GUID.test(tenant)) throw new ConfigError('AZURE_TENANT_ID', `must be a tenant id (GUID), got "${tenant}"`);
  return Object.freeze({
    kind: 'entra' as const,
    audience,
    issuers: Object.freeze(env.list('WEBPUBSUB_HANDLER_ISSUERS', [`https://sts.windows.net/${tenant}/`, `https://login.microsoftonline.com/${tenant}/v2.0`])),
    jwksUrl: env.url('WEBPUBSUB_HANDLER_JWKS_URL', `https://login.microsoftonline.com/${tenant}/discovery/v2.0/keys`),
    ...readHandlerCaller(env),
  });
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ROLE = /^[A-Za-z0-9][\w.:/-]{0,119}$/;

/**
 * Issuer and audience alone admit every principal of the tenant that can get a
 * token for the audience, so the caller itself must be named: the hub's
 * managed identity by object id, and/or an app role assigned only to it.
 * Both given: both must hold. Neither: the gateway does not start.
 */
function readHandlerCaller(env: EnvReader): Pick<HandlerEntraAuth, 'allowedObjectIds' | 'requiredRole'> {
  const allowedObjectIds = env.list('WEBPUBSUB_HANDLER_ALLOWED_OBJECT_IDS').map((id) => id.toLowerCase());
  const bad = allowedObjectIds.find((id) => !GUID.test(id));
  if (bad !== undefined) throw new ConfigError('WEBPUBSUB_HANDLER_ALLOWED_OBJECT_IDS', `must be object ids (GUIDs), comma-separated; got "${bad}"`);
  const requiredRole = env.optionalString('WEBPUBSUB_HANDLER_REQUIRED_ROLE');
  if (requiredRole !== undefined && !ROLE.test(requiredRole)) {
    throw new ConfigError('WEBPUBSUB_HANDLER_REQUIRED_ROLE', `must be an app role value such as Parley.EventHandler, got "${requiredRole}"`);
  }
  if (allowedObjectIds.length === 0 && requiredRole === undefined) {
    throw new ConfigError(
      'WEBPUBSUB_HANDLER_ALLOWED_OBJECT_IDS',
      'or WEBPUBSUB_HANDLER_REQUIRED_ROLE is required with Entra ID handler auth: without them any principal of the tenant could call the event handler as any user',
    );
  }
  return { allowedObjectIds: Object.freeze(allowedObjectIds), ...(requiredRole !== undefined ? { requiredRole } : {}) };
}
