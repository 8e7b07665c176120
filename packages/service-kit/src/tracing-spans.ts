import {
  context,
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type SpanOptions,
} from '@opentelemetry/api';

/**
 * Span helpers for the seams the services trace: a step, a bus send, a bus message
 * handled, a port whose calls become spans. While tracing is off (no OTLP endpoint)
 * each helper calls straight through: no span object, no context switch.
 */
let active = false;

/** Set by startTracing and its shutdown only. */
export function setTracingActive(value: boolean): void {
  active = value;
}

export function tracingActive(): boolean {
  return active;
}

const TRACER = 'parley';

/** Messaging semantic conventions (incubating, so spelled out here rather than imported). */
export const MessagingAttributes = {
  system: 'messaging.system',
  destination: 'messaging.destination.name',
  subscription: 'messaging.destination.subscription.name',
  operationType: 'messaging.operation.type',
  messageId: 'messaging.message.id',
  conversationId: 'messaging.message.conversation_id',
  deliveryCount: 'messaging.servicebus.message.delivery_count',
  batchSize: 'messaging.batch.message_count',
} as const;

/** Parley's own span attributes: what `parley trace <eventId>` and the local receiver look up. */
export const ParleyAttributes = {
  eventId: 'parley.event_id',
  eventType: 'parley.event_type',
  commandId: 'parley.command_id',
  action: 'parley.action',
  outcome: 'parley.outcome',
} as const;

/**
 * Runs `fn` inside a new span (a child of the active one) and ends it when `fn` settles;
 * a throw marks the span as failed with the exception recorded, and is rethrown.
 */
export function withSpan<T>(name: string, fn: (span: Span | undefined) => Promise<T>, options: SpanOptions = {}, parent?: Context): Promise<T> {
  if (!active) return fn(undefined);
  return trace.getTracer(TRACER).startActiveSpan(name, options, parent ?? context.active(), async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

export function failSpan(span: Span, error: unknown): void {
  const exception = error instanceof Error ? error : new Error(String(error));
  span.recordException(exception);
  span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
  const code = (error as { code?: unknown } | null)?.code;
  span.setAttribute('error.type', typeof code === 'string' ? code : exception.name);
}

/** The W3C traceparent of the active span, when a recording span is active. */
export function activeTraceparent(): string | undefined {
  if (!active) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The parent a message's consumer span continues: its `traceparent` application property. */
export function contextFromProperties(properties: Readonly<Record<string, unknown>> | undefined): Context {
  const traceparent = properties?.traceparent;
  if (typeof traceparent !== 'string') return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

/** For a pino `mixin`: the trace and span of the line's context, so logs and traces join up. */
export function traceLogFields(): { traceId?: string; spanId?: string } {
  // A fresh object each time: pino's merge strategy Object.assign()s the line's fields into
  // what the mixin returns, so a shared frozen object throws on every line with fields.
  if (!active) return {};
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { traceId, spanId };
}

interface Traceable {
  readonly metadata: { readonly traceparent?: string };
}

/**
 * A bus send as a PRODUCER span. Each envelope gets that span's traceparent in its
 * metadata, which the publishers copy into the `traceparent` application property,
 * so the consumer's span continues this trace.
 */
export function withSendSpan<T extends Traceable>(
  destination: string,
  envelopes: readonly T[],
  attributes: Attributes,
  send: (stamped: T[]) => Promise<void>,
): Promise<void> {
  if (!active || envelopes.length === 0) return send(envelopes as T[]);
  const options: SpanOptions = {
    kind: SpanKind.PRODUCER,
    attributes: {
      [MessagingAttributes.system]: 'servicebus',
      [MessagingAttributes.destination]: destination,
      [MessagingAttributes.operationType]: 'send',
      [MessagingAttributes.batchSize]: envelopes.length,
      ...attributes,
    },
  };
  return withSpan(`send ${destination}`, async () => {
    const traceparent = activeTraceparent();
    return send(envelopes.map((envelope) => ({ ...envelope, metadata: { ...envelope.metadata, traceparent } })));
  }, options);
}

/** What the consumer span needs of a received message (ServiceBusReceivedMessage fits). */
export interface TracedMessage {
  readonly messageId?: string | number | Buffer | unknown;
  readonly sessionId?: string;
  readonly deliveryCount?: number;
  readonly applicationProperties?: Readonly<Record<string, unknown>>;
}

/**
 * Handling one received message as a CONSUMER span, a child of the producer span
 * named by the message's traceparent (a root of ours when it has none).
 */
export function withMessageSpan<T>(destination: string, message: TracedMessage, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!active) return fn(undefined);
  const parent = contextFromProperties(message.applicationProperties);
  const start = trace.getSpanContext(parent) ? parent : ownRootContext();
  const options: SpanOptions = {
    kind: SpanKind.CONSUMER,
    attributes: {
      [MessagingAttributes.system]: 'servicebus',
      [MessagingAttributes.destination]: destination,
      [MessagingAttributes.operationType]: 'process',
      ...(typeof message.messageId === 'string' ? { [MessagingAttributes.messageId]: message.messageId } : {}),
      ...(message.sessionId ? { [MessagingAttributes.conversationId]: message.sessionId } : {}),
      ...(message.deliveryCount !== undefined ? { [MessagingAttributes.deliveryCount]: message.deliveryCount } : {}),
    },
  };
  return withSpan(`process ${destination}`, fn, options, start);
}

/** Set on the context of the root spans Parley starts itself (an upstream request, a message without a traceparent). */
export const OWN_ROOT = createContextKey('parley.own-root');

/** The context a root span of ours starts from; the sampler (tracing.ts) keeps new traces only from here. */
export function ownRootContext(): Context {
  return ROOT_CONTEXT.setValue(OWN_ROOT, true);
}

/**
 * The active context, for work a queue runs later (the gateway's connection lanes): the
 * span started then is a child of the request that queued it, not of whichever request
 * happened to start the queue's loop. Undefined while tracing is off.
 */
export function captureContext(): Context | undefined {
  return active ? context.active() : undefined;
}

/** Runs `fn` in a context captured earlier (captureContext), or as is. */
export function inContext<T>(captured: Context | undefined, fn: () => T): T {
  return captured ? context.with(captured, fn) : fn();
}

export type { Context as TraceContext } from '@opentelemetry/api';

/** Adds attributes to the active span, if one records. */
export function setSpanAttributes(attributes: Attributes): void {
  if (!active) return;
  trace.getSpan(context.active())?.setAttributes(attributes);
}

type AsyncMethodNames<T> = { [K in keyof T]: T[K] extends (...args: never[]) => Promise<unknown> ? K : never }[keyof T];

/**
 * A port whose named methods run in spans (the chat store's event-log write and projection
 * writes, a REST client). Other members pass through. While tracing is off the port itself
 * is returned.
 */
export function tracedPort<T extends object>(target: T, spans: Partial<Record<AsyncMethodNames<T>, string>>): T {
  if (!active) return target;
  const names = new Map<PropertyKey, string>(Object.entries(spans) as [string, string][]);
  return new Proxy(target, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      const name = names.get(property);
      if (!name || typeof value !== 'function') return typeof value === 'function' ? value.bind(object) : value;
      return (...args: unknown[]) => withSpan(name, () => (value as (...a: unknown[]) => Promise<unknown>).apply(object, args));
    },
  });
}

interface Envelope extends Traceable {
  readonly type?: string;
  readonly metadata: { readonly traceparent?: string; readonly eventId?: string; readonly causationId?: string };
}

/** What `parley trace <eventId>` finds a send by: the chat event it carries or was caused by. */
function envelopeAttributes(envelopes: readonly Envelope[]): Attributes {
  const first = envelopes[0];
  const eventId = first?.metadata.eventId ?? first?.metadata.causationId;
  return {
    ...(eventId ? { [ParleyAttributes.eventId]: eventId } : {}),
    ...(first?.type ? { [ParleyAttributes.eventType]: first.type } : {}),
    ...(envelopes.length === 1 && first?.metadata.eventId ? { [MessagingAttributes.messageId]: first.metadata.eventId } : {}),
  };
}

/**
 * A publisher port (the gateway's EventPublisher, the worker's CommandPublisher) whose
 * `publish` — of one envelope or a list — runs as a `send <destination>` PRODUCER span
 * and stamps the envelopes with it (withSendSpan). Other members pass through. While
 * tracing is off the publisher itself is returned.
 */
export function tracedPublisher<P extends object>(publisher: P, destination: string): P {
  if (!active) return publisher;
  return new Proxy(publisher, {
    get(object, property, receiver) {
      const value: unknown = Reflect.get(object, property, receiver);
      if (typeof value !== 'function') return value;
      if (property !== 'publish') return value.bind(object);
      const publish = value as (payload: unknown) => Promise<void>;
      return (payload: Envelope | readonly Envelope[]) => {
        const list = Array.isArray(payload) ? (payload as readonly Envelope[]) : [payload as Envelope];
        return withSendSpan(destination, list, envelopeAttributes(list), (stamped) => publish.call(object, Array.isArray(payload) ? stamped : stamped[0]));
      };
    },
  });
}

/** Re-exported so the services set span kinds and statuses without their own OpenTelemetry dependency. */
export { SpanKind, SpanStatusCode } from '@opentelemetry/api';
