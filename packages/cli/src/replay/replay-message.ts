import type { ServiceBusMessage } from '@azure/service-bus';
import { chatEventMessage, parseChatEvent, type ChatEvent, type ChatEventType } from '@parley/contracts';

/** A row of the `events` table as the Tables SDK returns it. */
export interface StoredEvent {
  readonly partitionKey: string;
  readonly rowKey: string;
  readonly type?: unknown;
  readonly hub?: unknown;
  readonly receivedAt?: unknown;
  readonly envelope?: unknown;
}

export interface ReplayOptions {
  /** One id per replay run: part of every message id (see `replayMessageId`). */
  readonly runId: string;
  readonly notify: boolean;
  readonly partitions: number;
  /**
   * `user` (default): the session of the user's partition, as the gateway
   * sends; only each user's events keep their order.
   * `hub`: one session per hub, so the worker applies the whole log in its
   * order. A rebuild needs that: its projections start empty, and rules that
   * read another user's state (invite, direct message) must see the same
   * history as the first time.
   */
  readonly ordering?: 'user' | 'hub';
}

export type Rebuilt = { ok: true; event: ChatEvent; message: ServiceBusMessage } | { ok: false; reason: string };

/**
 * The message id of a replayed event. Not the event id: the broker would drop
 * it as a duplicate of the original inside the duplicate-detection window.
 * Per run, so a resend within one run (an SDK retry) is still deduplicated,
 * while running the same replay again really replays. The worker's
 * idempotence rests on the envelope's event id, which stays unchanged.
 */
export function replayMessageId(eventId: string, runId: string): string {
  return `${eventId}:replay:${runId}`;
}

/** The stored envelope, marked as replayed, as the bus message the gateway would have sent. */
export function rebuildMessage(row: StoredEvent, options: ReplayOptions): Rebuilt {
  if (typeof row.envelope !== 'string') return { ok: false, reason: `event ${row.rowKey} has no stored envelope` };
  let body: unknown;
  try {
    body = JSON.parse(row.envelope);
  } catch {
    return { ok: false, reason: `event ${row.rowKey}: stored envelope is not JSON` };
  }
  const parsed = parseChatEvent(body);
  if (!parsed.ok) return { ok: false, reason: `event ${row.rowKey}: ${parsed.error.message}` };
  const { notify: _notify, ...metadata } = parsed.value.metadata;
  const event = {
    ...parsed.value,
    metadata: { ...metadata, replayed: true, ...(options.notify ? { notify: true } : {}) },
  } as ChatEvent;
  const message = chatEventMessage(event, {
    partitions: options.partitions,
    messageId: replayMessageId(event.metadata.eventId, options.runId),
    ...(options.ordering === 'hub' ? { sessionKey: event.metadata.hub } : {}),
  });
  return { ok: true, event, message };
}

const TYPE_ALIASES: Record<string, ChatEventType> = {
  message: 'chat.message',
  connected: 'chat.connected',
  disconnected: 'chat.disconnected',
  profile: 'chat.profile',
  'chat.message': 'chat.message',
  'chat.connected': 'chat.connected',
  'chat.disconnected': 'chat.disconnected',
  'chat.profile': 'chat.profile',
};

/** `message,connected` → the envelope types; undefined for an unknown name (the caller reports it). */
export function parseTypes(text: string): { types: ReadonlySet<ChatEventType> } | { unknown: string } {
  const types = new Set<ChatEventType>();
  for (const name of text.split(',').map((part) => part.trim().toLowerCase()).filter(Boolean)) {
    const type = TYPE_ALIASES[name];
    if (!type) return { unknown: name };
    types.add(type);
  }
  return { types };
}
