import { randomFillSync } from 'node:crypto';
import { ENVELOPE_VERSION, type ChatEvent, type ChatEventMetadata, type ClientFrame } from '@parley/contracts';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = '0'.repeat(32);

// One randomFillSync per 4 KiB instead of two small randomBytes calls per event (a hot path under load).
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
function randomHex(bytes: number): string {
  if (poolOffset + bytes > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
}

/**
 * A W3C traceparent for a new event: a fresh span under the caller's trace
 * when the upstream request carried a valid one, else a new trace.
 */
export function newTraceparent(incoming?: string): string {
  const match = incoming ? TRACEPARENT.exec(incoming.trim().toLowerCase()) : null;
  const traceId = match && match[1] !== ZERO_TRACE ? match[1]! : randomHex(16);
  return `00-${traceId}-${randomHex(8)}-01`;
}

export function traceIdOf(traceparent: string): string | undefined {
  return TRACEPARENT.exec(traceparent)?.[1];
}

/** What the gateway stamps on every event it makes from an upstream call: where from, who, its id, time and trace. */
export interface EventStamp {
  readonly hub: string;
  readonly connectionId: string;
  readonly userId: string;
  readonly eventId: string;
  readonly receivedAt: Date;
  readonly traceparent: string;
}

function metadataOf(source: EventStamp): ChatEventMetadata {
  return {
    eventId: source.eventId,
    hub: source.hub,
    connectionId: source.connectionId,
    userId: source.userId,
    receivedAt: source.receivedAt.toISOString(),
    traceparent: source.traceparent,
  };
}

export function connectedEvent(source: EventStamp): ChatEvent {
  return { type: 'chat.connected', version: ENVELOPE_VERSION, data: {}, metadata: metadataOf(source) };
}

export function messageEvent(source: EventStamp, frame: ClientFrame): ChatEvent {
  return { type: 'chat.message', version: ENVELOPE_VERSION, data: { frame }, metadata: metadataOf(source) };
}

export function profileEvent(source: EventStamp, name: string): ChatEvent {
  return { type: 'chat.profile', version: ENVELOPE_VERSION, data: { name }, metadata: metadataOf(source) };
}

export function disconnectedEvent(source: EventStamp): ChatEvent {
  return { type: 'chat.disconnected', version: ENVELOPE_VERSION, data: {}, metadata: metadataOf(source) };
}
