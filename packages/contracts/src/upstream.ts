import { ErrorCodes, fail, ok, type Result } from './errors.js';

/** The X-ASRS-* headers of docs/protocols.md §1, lower-cased as node's http gives them. */
export const UpstreamHeaders = {
  hub: 'x-asrs-hub',
  category: 'x-asrs-category',
  event: 'x-asrs-event',
  connectionId: 'x-asrs-connection-id',
  userId: 'x-asrs-user-id',
  userClaims: 'x-asrs-user-claims',
  clientQuery: 'x-asrs-client-query',
  clientQueryString: 'x-asrs-client-query-string',
  signature: 'x-asrs-signature',
  subprotocol: 'sec-websocket-protocol',
} as const;

export const UPSTREAM_EVENTS = ['connect', 'message', 'disconnect'] as const;
export type UpstreamEvent = (typeof UPSTREAM_EVENTS)[number];
export type UpstreamCategory = 'connections' | 'messages';

export function categoryOf(event: UpstreamEvent): UpstreamCategory {
  return event === 'message' ? 'messages' : 'connections';
}

export interface UpstreamContext {
  readonly hub: string;
  readonly category: UpstreamCategory;
  readonly event: UpstreamEvent;
  readonly connectionId: string;
  readonly userId?: string;
  readonly signature: string;
  /** The client's query string (connect), parsed. */
  readonly clientQuery: URLSearchParams;
  /** Subprotocols the client offered, in order. */
  readonly subprotocols: readonly string[];
}

type HeaderBag = Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** Reads and checks the X-ASRS-* headers of one upstream call. Does not verify the signature. */
export function readUpstreamHeaders(headers: HeaderBag): Result<UpstreamContext> {
  const hub = header(headers, UpstreamHeaders.hub);
  const event = header(headers, UpstreamHeaders.event)?.toLowerCase();
  const connectionId = header(headers, UpstreamHeaders.connectionId);
  const signature = header(headers, UpstreamHeaders.signature);
  if (!signature) return fail(ErrorCodes.signatureMissing, 'X-ASRS-Signature is missing');
  if (!hub) return fail(ErrorCodes.headerMissing, 'X-ASRS-Hub is missing');
  if (!connectionId) return fail(ErrorCodes.headerMissing, 'X-ASRS-Connection-Id is missing');
  if (!event || !(UPSTREAM_EVENTS as readonly string[]).includes(event)) {
    return fail(ErrorCodes.headerMissing, 'X-ASRS-Event is missing or unknown');
  }
  const upstreamEvent = event as UpstreamEvent;
  const rawQuery = header(headers, UpstreamHeaders.clientQuery) ?? header(headers, UpstreamHeaders.clientQueryString) ?? '';
  const subprotocols = (header(headers, UpstreamHeaders.subprotocol) ?? '')
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value.length > 0);
  const userId = header(headers, UpstreamHeaders.userId);
  return ok({
    hub,
    category: categoryOf(upstreamEvent),
    event: upstreamEvent,
    connectionId,
    ...(userId ? { userId } : {}),
    signature,
    clientQuery: new URLSearchParams(rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery),
    subprotocols,
  });
}
