/** The request and response shapes the operations work on (HTTP and `$batch` parts alike). */
import { randomUUID } from 'node:crypto';
import { Errors, type ServiceError } from '../errors.js';
import type { MetadataLevel } from '../model/entity.js';
import { tag, xmlProlog } from '../model/xml.js';

export interface ServiceRequest {
  readonly method: string;
  /** Path as sent (percent-encoded), without the query string. */
  readonly rawPath: string;
  readonly query: URLSearchParams;
  readonly header: (name: string) => string | undefined;
  readonly body: string;
  /** Came over TLS (the https listener). */
  readonly secure?: boolean;
}

export interface ServiceResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

export const apiVersion = '2019-02-02';

export function metadataLevel(req: ServiceRequest): MetadataLevel {
  const text = `${req.query.get('$format') ?? ''} ${req.header('accept') ?? ''}`;
  if (text.includes('odata=nometadata')) return 'none';
  if (text.includes('odata=fullmetadata')) return 'full';
  return 'minimal';
}

export function jsonContentType(level: MetadataLevel): string {
  const name = level === 'none' ? 'nometadata' : level === 'full' ? 'fullmetadata' : 'minimalmetadata';
  return `application/json;odata=${name};streaming=true;charset=utf-8`;
}

export function baseHeaders(req: ServiceRequest): Record<string, string> {
  const headers: Record<string, string> = {
    'x-ms-request-id': randomUUID(),
    'x-ms-version': apiVersion,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    Date: new Date().toUTCString(),
  };
  const clientId = req.header('x-ms-client-request-id');
  if (clientId) headers['x-ms-client-request-id'] = clientId.slice(0, 1024);
  return headers;
}

/** Service properties, statistics and ACLs speak XML, their errors included. */
export function isXmlRequest(req: ServiceRequest): boolean {
  const comp = req.query.get('comp');
  return comp === 'properties' || comp === 'stats' || comp === 'acl';
}

/** The service's error response: `x-ms-error-code` and an OData error body (XML for the XML operations). */
export function errorResponse(req: ServiceRequest, err: ServiceError, messagePrefix = ''): ServiceResponse {
  const headers = baseHeaders(req);
  if (isXmlRequest(req)) {
    const message = `${err.message}\nRequestId:${headers['x-ms-request-id']}\nTime:${new Date().toISOString()}`;
    return {
      status: err.status,
      headers: { ...headers, 'x-ms-error-code': err.code, 'Content-Type': 'application/xml' },
      body: `${xmlProlog}<Error>${tag('Code', err.code)}${tag('Message', message)}</Error>`,
    };
  }
  const body = JSON.stringify({
    'odata.error': {
      code: err.code,
      message: { lang: 'en-US', value: `${messagePrefix}${err.message}\nRequestId:${headers['x-ms-request-id']}\nTime:${new Date().toISOString()}` },
    },
  });
  return {
    status: err.status,
    headers: { ...headers, 'x-ms-error-code': err.code, 'Content-Type': 'application/json;odata=minimalmetadata;streaming=true;charset=utf-8' },
    body,
  };
}

/** Continuation values are opaque to clients; base64url keeps any key text header-safe. */
export function encodeToken(value: string): string {
  return `1!${Buffer.from(value, 'utf8').toString('base64url')}`;
}

export function decodeToken(token: string): string {
  if (!/^1![A-Za-z0-9_-]*$/.test(token)) throw Errors.invalidInput('The continuation token is not valid.');
  return Buffer.from(token.slice(2), 'base64url').toString('utf8');
}
