/**
 * CORS as the storage services apply it, from the rules stored with Set
 * Service Properties: a preflight (OPTIONS, unauthenticated) is answered from
 * the first rule that allows its origin, method and headers, else 403
 * CorsPreflightFailure; any other request that carries an Origin gets the
 * Access-Control-* headers of the first rule that allows its origin and method.
 */
import { Errors } from '../errors.js';
import { baseHeaders, type ServiceRequest, type ServiceResponse } from '../service/request.js';
import type { CorsRule } from '../store/settings.js';

const split = (list: string) =>
  list
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '');

function allowsOrigin(rule: CorsRule, origin: string): boolean {
  const origins = split(rule.allowedOrigins);
  return origins.includes('*') || origins.includes(origin.trim().toLowerCase());
}

function allowsMethod(rule: CorsRule, method: string): boolean {
  return split(rule.allowedMethods).includes(method.trim().toLowerCase());
}

/** A header list entry matches exactly, or by prefix when it ends in `*` (`x-ms-meta-*`). */
function listed(entries: string[], header: string): boolean {
  const h = header.trim().toLowerCase();
  return entries.some((e) => e === '*' || e === h || (e.endsWith('*') && h.startsWith(e.slice(0, -1))));
}

export function preflight(rules: readonly CorsRule[], req: ServiceRequest): ServiceResponse {
  const origin = req.header('origin');
  const method = req.header('access-control-request-method');
  if (!origin) throw Errors.corsHeaderMissing('Origin');
  if (!method) throw Errors.corsHeaderMissing('Access-Control-Request-Method');
  const requested = req.header('access-control-request-headers');
  const requestedHeaders = requested ? split(requested) : [];
  const rule = rules.find((r) => allowsOrigin(r, origin) && allowsMethod(r, method) && requestedHeaders.every((h) => listed(split(r.allowedHeaders), h)));
  if (!rule) throw Errors.corsPreflightFailure();
  const headers: Record<string, string> = {
    ...baseHeaders(req),
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Methods': method,
    'Access-Control-Max-Age': String(rule.maxAgeInSeconds),
    'Access-Control-Allow-Credentials': 'true',
  };
  if (requested) headers['Access-Control-Allow-Headers'] = requested;
  return { status: 200, headers };
}

/** Adds the CORS headers to a response (errors included, so a browser can read the error). */
export function applyCors(rules: readonly CorsRule[], req: ServiceRequest, res: ServiceResponse): void {
  const origin = req.header('origin');
  if (!origin || rules.length === 0) return;
  const rule = rules.find((r) => allowsOrigin(r, origin) && allowsMethod(r, req.method));
  // The answer depends on Origin whenever rules exist: caches must key on it.
  res.headers.Vary = 'Origin';
  if (!rule) return;
  const anyOrigin = split(rule.allowedOrigins).includes('*');
  res.headers['Access-Control-Allow-Origin'] = anyOrigin ? '*' : origin;
  const exposed = split(rule.exposedHeaders);
  const names = Object.keys(res.headers).filter((name) => listed(exposed, name));
  if (names.length > 0) res.headers['Access-Control-Expose-Headers'] = names.join(',');
  if (!anyOrigin) res.headers['Access-Control-Allow-Credentials'] = 'true';
}
