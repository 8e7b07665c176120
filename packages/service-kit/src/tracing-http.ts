import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { FastifyRequest, RouteHandlerMethod } from 'fastify';
import fp from 'fastify-plugin';
import { ownRootContext, tracingActive } from './tracing-spans.js';

export interface HttpTracingOptions {
  /** Routes (as registered) that get spans; default all but `ignore`. */
  only?: readonly string[];
  /** Paths without spans: probes and scrapes would each make a trace. */
  ignore?: readonly string[];
}

const DEFAULT_IGNORED = ['/healthz', '/readyz', '/metrics'];

/**
 * A SERVER span per request (`POST /api/messages`), continuing the caller's
 * `traceparent` when it sent one; the route handler runs inside it, so what the
 * handler starts (the bus send) is its child. Register before the routes: it wraps
 * the handlers of routes added after it. Does nothing while tracing is off.
 */
export const httpTracing = fp<HttpTracingOptions>(
  async (app, options) => {
    if (!tracingActive()) return;
    const ignored = new Set(options.ignore ?? DEFAULT_IGNORED);
    const only = options.only ? new Set(options.only) : undefined;
    const spans = new WeakMap<FastifyRequest, Span>();
    const tracer = trace.getTracer('parley');

    app.addHook('onRequest', async (request) => {
      const route = request.routeOptions.url;
      if (route === undefined || ignored.has(route) || (only && !only.has(route))) return;
      const incoming = propagation.extract(ROOT_CONTEXT, request.headers);
      const parent = trace.getSpanContext(incoming) ? incoming : ownRootContext();
      const span = tracer.startSpan(
        `${request.method} ${route}`,
        {
          kind: SpanKind.SERVER,
          attributes: { [ATTR_HTTP_REQUEST_METHOD]: request.method, [ATTR_HTTP_ROUTE]: route, [ATTR_URL_PATH]: request.url.split('?')[0] ?? '' },
        },
        parent,
      );
      spans.set(request, span);
    });
    const finish = async (request: FastifyRequest, statusCode: number) => {
      const span = spans.get(request);
      if (!span) return;
      spans.delete(request);
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, statusCode);
      if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    app.addHook('onResponse', async (request, reply) => finish(request, reply.statusCode));
    app.addHook('onRequestAbort', async (request) => finish(request, 499));

    app.addHook('onRoute', (route) => {
      const handler = route.handler as RouteHandlerMethod;
      route.handler = function tracedHandler(this: unknown, request, reply) {
        const span = spans.get(request);
        if (!span) return handler.call(this as never, request, reply);
        return context.with(trace.setSpan(context.active(), span), () => handler.call(this as never, request, reply));
      };
    });
  },
  { name: 'parley-http-tracing' },
);
