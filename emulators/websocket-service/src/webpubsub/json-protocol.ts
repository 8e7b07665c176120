import type { DataKind, Origin, Payload } from '../hub-connection.js';

/**
 * The `json.webpubsub.azure.v1` / `json.reliable.webpubsub.azure.v1` frames
 * (docs/protocols.md §2, "Clients"): parsing what a client sends and building
 * what it receives. Pure; the connection does the I/O.
 */
export const JSON_PROTOCOL = 'json.webpubsub.azure.v1';
export const RELIABLE_JSON_PROTOCOL = 'json.reliable.webpubsub.azure.v1';

export type ClientMessage =
  | { readonly type: 'joinGroup' | 'leaveGroup'; readonly group: string; readonly ackId: number | undefined }
  | { readonly type: 'sendToGroup'; readonly group: string; readonly ackId: number | undefined; readonly noEcho: boolean; readonly payload: Payload }
  | { readonly type: 'event'; readonly event: string; readonly ackId: number | undefined; readonly payload: Payload }
  | { readonly type: 'ping' }
  | { readonly type: 'sequenceAck'; readonly sequenceId: number };

/** A frame that is not a valid request; `ackId` when one could be read, so the refusal can be acked. */
export interface Malformed {
  readonly malformed: string;
  readonly ackId: number | undefined;
}

const MAX_NAME = 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function name(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '' || value.length > MAX_NAME) throw new Error(`"${field}" must be a non-empty string of at most ${MAX_NAME} characters`);
  return value;
}

function payloadOf(msg: Record<string, unknown>): Payload {
  const dataType = msg.dataType ?? 'json';
  const data = msg.data;
  if (dataType === 'text') {
    if (typeof data !== 'string') throw new Error('"data" must be a string when dataType is text');
    return { data: Buffer.from(data, 'utf8'), kind: 'text' };
  }
  if (dataType === 'json') {
    if (data === undefined) throw new Error('"data" is required');
    return { data: Buffer.from(JSON.stringify(data), 'utf8'), kind: 'json' };
  }
  if (dataType === 'binary') {
    if (typeof data !== 'string' || data.length % 4 !== 0 || !BASE64.test(data)) throw new Error('"data" must be base64 when dataType is binary');
    return { data: Buffer.from(data, 'base64'), kind: 'binary' };
  }
  throw new Error(`dataType must be json, text or binary, not ${JSON.stringify(dataType)}`);
}

function ackIdOf(msg: Record<string, unknown>): number | undefined {
  const ackId = msg.ackId;
  if (ackId === undefined || ackId === null) return undefined;
  if (typeof ackId !== 'number' || !Number.isSafeInteger(ackId) || ackId < 0) throw new Error('"ackId" must be a non-negative integer');
  return ackId;
}

export function parseClientMessage(text: string, reliable: boolean): ClientMessage | Malformed {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return { malformed: 'the frame is not JSON', ackId: undefined };
  }
  if (!isRecord(msg)) return { malformed: 'the frame must be a JSON object', ackId: undefined };
  const rawAck = typeof msg.ackId === 'number' && Number.isSafeInteger(msg.ackId) && msg.ackId >= 0 ? msg.ackId : undefined;
  try {
    switch (msg.type) {
      case 'joinGroup':
      case 'leaveGroup':
        return { type: msg.type, group: name(msg.group, 'group'), ackId: ackIdOf(msg) };
      case 'sendToGroup':
        if (msg.noEcho !== undefined && typeof msg.noEcho !== 'boolean') throw new Error('"noEcho" must be a boolean');
        return { type: 'sendToGroup', group: name(msg.group, 'group'), ackId: ackIdOf(msg), noEcho: msg.noEcho === true, payload: payloadOf(msg) };
      case 'event':
        return { type: 'event', event: name(msg.event, 'event'), ackId: ackIdOf(msg), payload: payloadOf(msg) };
      case 'ping':
        return { type: 'ping' };
      case 'sequenceAck': {
        if (!reliable) throw new Error('sequenceAck is only for json.reliable.webpubsub.azure.v1');
        const id = msg.sequenceId;
        if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) throw new Error('"sequenceId" must be a non-negative integer');
        return { type: 'sequenceAck', sequenceId: id };
      }
      default:
        throw new Error(`unknown type ${JSON.stringify(msg.type)}`);
    }
  } catch (error) {
    return { malformed: (error as Error).message, ackId: rawAck };
  }
}

export type AckError = 'Forbidden' | 'InternalServerError' | 'Duplicate' | 'BadRequest';

export function ackFrame(ackId: number, error?: { name: AckError; message: string }): string {
  return JSON.stringify(error ? { type: 'ack', ackId, success: false, error } : { type: 'ack', ackId, success: true });
}

export function connectedFrame(connectionId: string, userId: string | undefined, reconnectionToken: string | undefined): string {
  return JSON.stringify({ type: 'system', event: 'connected', userId, connectionId, reconnectionToken });
}

export function disconnectedFrame(message: string): string {
  return JSON.stringify({ type: 'system', event: 'disconnected', message });
}

export const PONG_FRAME = '{"type":"pong"}';

/** `"dataType":…,"data":…` of a payload; JSON that does not parse travels as text. */
function dataPart(payload: Payload): string {
  let kind: DataKind = payload.kind ?? 'text';
  if (kind === 'json') {
    const text = payload.data.toString('utf8');
    try {
      JSON.parse(text);
      return `"dataType":"json","data":${text}`;
    } catch {
      kind = 'text';
    }
  }
  if (kind === 'binary' || kind === 'protobuf') return `"dataType":"${kind}","data":"${payload.data.toString('base64')}"`;
  return `"dataType":"text","data":${JSON.stringify(payload.data.toString('utf8'))}`;
}

/** A `message` frame without its sequenceId; reliable connections splice theirs in. Cached per payload for fan-out. */
const bodies = new WeakMap<Payload, { origin: Origin; text: string }>();

export function messageFrame(payload: Payload, origin: Origin): string {
  const cached = bodies.get(payload);
  if (cached && cached.origin === origin) return cached.text;
  const head =
    origin.from === 'server'
      ? '{"type":"message","from":"server",'
      : `{"type":"message","from":"group","group":${JSON.stringify(origin.group)},${origin.fromUserId === undefined ? '' : `"fromUserId":${JSON.stringify(origin.fromUserId)},`}`;
  const text = `${head}${dataPart(payload)}}`;
  bodies.set(payload, { origin, text });
  return text;
}

export function withSequenceId(frame: string, sequenceId: number): string {
  return `{"sequenceId":${sequenceId},${frame.slice(1)}`;
}
