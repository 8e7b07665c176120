import { ParleyAttributes, SpanKind, SpanStatusCode, tracingActive, withSpan } from '@parley/service-kit';
import type { RestTransport } from '@parley/websocket-rest';

/**
 * Each attempt of a REST call as a CLIENT span (`REST sendToGroup`), a child of the
 * command's consumer span, so a trace shows every try, its status and its time; the
 * retries' back-off is the gap between them. While tracing is off the transport itself
 * is returned.
 */
export function tracedTransport(transport: RestTransport): RestTransport {
  if (!tracingActive()) return transport;
  return {
    attempt: (request, timeoutMs) =>
      withSpan(
        `REST ${request.action}`,
        async (span) => {
          const result = await transport.attempt(request, timeoutMs);
          if (result.kind === 'answer') {
            span?.setAttribute('http.response.status_code', result.status);
            if (result.status >= 400 && !(result.status === 404 && request.goneIsDone)) {
              span?.setAttribute('error.type', String(result.status));
              span?.setStatus({ code: SpanStatusCode.ERROR });
            }
          } else {
            span?.setAttribute('error.type', result.cause);
            span?.setStatus({ code: SpanStatusCode.ERROR, message: result.error.message });
          }
          return result;
        },
        {
          kind: SpanKind.CLIENT,
          attributes: { 'http.request.method': request.method, 'url.path': request.path.split('?')[0] ?? request.path, [ParleyAttributes.action]: request.action },
        },
      ),
    close: () => transport.close(),
  };
}
