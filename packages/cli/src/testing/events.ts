import { createEventIdGenerator, eventLogEntity, PROFILE_CONNECTION_ID, type ChatEvent, type ClientFrame, type EventEntity } from '@parley/contracts';

export interface EventSpec {
  readonly kind: 'connected' | 'message' | 'disconnected' | 'profile';
  readonly connectionId: string;
  readonly userId: string;
  readonly at: Date;
  readonly hub?: string;
  readonly frame?: ClientFrame;
  /** The display name of a `profile` event. */
  readonly name?: string;
  readonly traceparent?: string;
}

/** Ids stamped at the event's own time, as the gateway would have. */
export function eventFactory() {
  let clock = 0;
  const nextId = createEventIdGenerator(() => clock);
  return (spec: EventSpec): ChatEvent => {
    clock = spec.at.getTime();
    const metadata = {
      eventId: nextId(),
      hub: spec.hub ?? 'chat',
      connectionId: spec.connectionId,
      userId: spec.userId,
      receivedAt: spec.at.toISOString(),
      ...(spec.traceparent ? { traceparent: spec.traceparent } : {}),
    };
    if (spec.kind === 'profile') {
      return { type: 'chat.profile', version: 1, data: { name: spec.name ?? spec.userId }, metadata: { ...metadata, connectionId: PROFILE_CONNECTION_ID } };
    }
    if (spec.kind === 'message') {
      return { type: 'chat.message', version: 1, data: { frame: spec.frame ?? { type: 'send', id: metadata.eventId, text: 'hi' } }, metadata };
    }
    return { type: spec.kind === 'connected' ? 'chat.connected' : 'chat.disconnected', version: 1, data: {}, metadata };
  };
}

/** The event log row the chat-worker appends for an event. */
export const eventRow = (event: ChatEvent): EventEntity => eventLogEntity(event);
