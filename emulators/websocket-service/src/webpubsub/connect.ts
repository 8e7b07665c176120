import type { IncomingMessage } from 'node:http';
import type { ClientIdentity } from './client-token.js';
import { JSON_CODEC, PROTOBUF_CODEC, type Codec } from './codec.js';
import { JSON_PROTOCOL, RELIABLE_JSON_PROTOCOL } from './json-protocol.js';
import { PROTOBUF_PROTOCOL, RELIABLE_PROTOBUF_PROTOCOL } from './protobuf-protocol.js';
import type { ClientKind } from './connection.js';

/** The PubSub subprotocols the service speaks, with their kind and framing. */
const PUBSUB: ReadonlyMap<string, { kind: ClientKind; codec: Codec }> = new Map([
  [JSON_PROTOCOL, { kind: 'pubsub', codec: JSON_CODEC }],
  [RELIABLE_JSON_PROTOCOL, { kind: 'reliable', codec: JSON_CODEC }],
  [PROTOBUF_PROTOCOL, { kind: 'pubsub', codec: PROTOBUF_CODEC }],
  [RELIABLE_PROTOBUF_PROTOCOL, { kind: 'reliable', codec: PROTOBUF_CODEC }],
]);

/** Where a Web PubSub client connects: `/client/hubs/{hub}` or `/client/?hub={hub}`. */
export interface WpsTarget {
  readonly hub: string;
  readonly query: URLSearchParams;
}

const HUB_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

export function parseWpsUrl(rawUrl: string): WpsTarget | { status: number; message: string } {
  const q = rawUrl.indexOf('?');
  const path = (q < 0 ? rawUrl : rawUrl.slice(0, q)).replace(/\/+$/, '');
  const query = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
  const segments = path.split('/').slice(1);
  let hub: string | undefined;
  if (segments.length === 1) hub = query.get('hub') ?? undefined;
  else if (segments.length === 3 && segments[1] === 'hubs') {
    try {
      hub = decodeURIComponent(segments[2] ?? '');
    } catch {
      return { status: 400, message: 'the hub name is not valid percent-encoding' };
    }
  } else return { status: 404, message: `no client endpoint at ${path}` };
  if (!hub) return { status: 400, message: 'the hub is missing (path /client/hubs/{hub} or query ?hub=)' };
  if (!HUB_NAME.test(hub)) return { status: 400, message: 'the hub name may hold only letters, digits, "_", "-" and "."' };
  return { hub, query };
}

/** The body of the `connect` event: lists of strings per claim, query parameter and header. */
export function connectBody(identity: ClientIdentity, query: URLSearchParams, req: IncomingMessage, offered: readonly string[]): string {
  const queries: Record<string, string[]> = {};
  for (const [k, v] of query) (queries[k] ??= []).push(v);
  const headers: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) (headers[req.rawHeaders[i] as string] ??= []).push(req.rawHeaders[i + 1] as string);
  return JSON.stringify({ claims: identity.claims, query: queries, headers, subprotocols: offered, clientCertificates: [] });
}

export interface ConnectAnswer {
  readonly userId?: string;
  readonly groups: readonly string[];
  readonly roles: readonly string[];
  readonly subprotocol?: string;
}

function stringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '')) throw new Error(`"${field}" must be an array of non-empty strings`);
  return value as string[];
}

/** Reads a 2xx connect answer (204 or an empty body = nothing set); throws with the reason when it is not valid. */
export function parseConnectAnswer(body: Buffer): ConnectAnswer {
  if (body.length === 0) return { groups: [], roles: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Error('the connect answer is not JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('the connect answer must be a JSON object');
  const a = raw as Record<string, unknown>;
  if (a.userId !== undefined && a.userId !== null && typeof a.userId !== 'string') throw new Error('"userId" must be a string');
  if (a.subprotocol !== undefined && a.subprotocol !== null && (typeof a.subprotocol !== 'string' || a.subprotocol.trim() === '')) {
    throw new Error('"subprotocol" must be a non-empty string');
  }
  return {
    ...(typeof a.userId === 'string' && a.userId !== '' ? { userId: a.userId } : {}),
    groups: stringList(a.groups, 'groups'),
    roles: stringList(a.roles, 'roles'),
    ...(typeof a.subprotocol === 'string' ? { subprotocol: a.subprotocol } : {}),
  };
}

/**
 * The subprotocol of the connection: the connect handler's pick, else the
 * first of the service's PubSub subprotocols (JSON or protobuf, reliable or
 * not) the client offered, else none (a simple client; so is a custom
 * subprotocol a handler picked).
 */
export function chooseProtocol(
  offered: readonly string[],
  picked: string | undefined,
): { protocol: string | undefined; kind: ClientKind; codec: Codec | undefined } | { refusal: string; status: number } {
  if (picked !== undefined && !offered.includes(picked)) return { refusal: `the connect handler picked subprotocol "${picked}", which the client did not offer`, status: 500 };
  const protocol = picked ?? offered.find((p) => PUBSUB.has(p));
  const pubsub = protocol === undefined ? undefined : PUBSUB.get(protocol);
  return { protocol, kind: pubsub?.kind ?? 'simple', codec: pubsub?.codec };
}
