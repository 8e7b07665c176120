import { BusProperties, type ChatEvent } from './bus-events.js';
import { notifierSessionId, type NotifierEnvelope } from './notifier-commands.js';
import { partitionSessionId } from './partition.js';

/**
 * A bus message as `@azure/service-bus` sends it (a ServiceBusMessage, structurally;
 * contracts do no I/O and do not import the SDK). The one builder per message kind
 * below is used by the services, the CLI and the test helpers alike, so they cannot
 * drift (docs/style.md §13; the properties are described in docs/protocols.md).
 */
export interface BusMessage<B> {
  body: B;
  contentType: 'application/json';
  /** The broker drops a second message with the same id inside its duplicate-detection window. */
  messageId: string;
  /** The partition session: messages of one session are handled in order, one at a time. */
  sessionId: string;
  subject: string;
  /** For subscription filters and tracing; never needed to handle the message (the body says all). */
  applicationProperties: Record<string, string | boolean>;
}

export interface ChatEventMessageOptions {
  /** PARTITIONS: how many session ids keys are hashed into (the same on every producer). */
  readonly partitions: number;
  /** Default: the event id. The replay tool sets its own so the broker does not drop the replay as a duplicate. */
  readonly messageId?: string;
  /**
   * The key hashed into the session id. Default: the user id, so all of a user's events (every
   * connection, from every gateway) go through one session in the order the bus accepted them,
   * and per-user rules (rate, connection cap, presence) are decided by one worker at a time.
   * The replay tool's hub ordering passes the hub.
   */
  readonly sessionKey?: string;
}

/** The bus message of a chat event on `chat-events`: the envelope as JSON body, addressed by its metadata. */
export function chatEventMessage(event: ChatEvent, options: ChatEventMessageOptions): BusMessage<ChatEvent> {
  const { metadata } = event;
  const applicationProperties: Record<string, string | boolean> = {
    [BusProperties.type]: event.type,
    [BusProperties.hub]: metadata.hub,
    [BusProperties.userId]: metadata.userId,
    [BusProperties.replayed]: metadata.replayed ?? false,
  };
  if (metadata.traceparent) applicationProperties[BusProperties.traceparent] = metadata.traceparent;
  return {
    body: event,
    contentType: 'application/json',
    messageId: options.messageId ?? metadata.eventId,
    sessionId: partitionSessionId(options.sessionKey ?? metadata.userId, options.partitions),
    subject: event.type,
    applicationProperties,
  };
}

/**
 * The bus message of a notifier command on `notifications`: id = command id (stable across
 * reprocessing, so the broker drops repeats), session = the partition of the command's
 * target (notifierTargetKey), so commands to one target keep their order.
 */
export function notifierCommandMessage(envelope: NotifierEnvelope, partitions: number): BusMessage<NotifierEnvelope> {
  const applicationProperties: Record<string, string | boolean> = {
    [BusProperties.type]: envelope.type,
    [BusProperties.hub]: envelope.data.hub,
  };
  if (envelope.metadata.traceparent) applicationProperties[BusProperties.traceparent] = envelope.metadata.traceparent;
  return {
    body: envelope,
    contentType: 'application/json',
    messageId: envelope.metadata.commandId,
    sessionId: notifierSessionId(envelope.data, partitions),
    subject: envelope.type,
    applicationProperties,
  };
}
