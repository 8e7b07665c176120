import { ErrorCodes, fail, ok, type Result } from './errors.js';

export interface WebSocketServiceConnection {
  /** `http://host` or `https://host`, without port or trailing slash. */
  readonly endpoint: string;
  readonly port?: number;
  readonly accessKey: string;
  readonly version: string;
  /** Where REST calls go: endpoint with the port when one was given. */
  readonly baseUrl: string;
}

/** Parses `Endpoint=…;Port=…;AccessKey=…;Version=1.0;` (keys are case-insensitive). */
export function parseConnectionString(text: string): Result<WebSocketServiceConnection> {
  const fields = new Map<string, string>();
  for (const part of text.split(';')) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) return fail(ErrorCodes.connectionStringInvalid, `connection string part "${trimmed}" is not key=value`);
    fields.set(trimmed.slice(0, eq).toLowerCase(), trimmed.slice(eq + 1));
  }
  const endpoint = fields.get('endpoint')?.replace(/\/+$/, '');
  const accessKey = fields.get('accesskey');
  const version = fields.get('version') ?? '1.0';
  if (!endpoint) return fail(ErrorCodes.connectionStringInvalid, 'connection string has no Endpoint');
  if (!accessKey) return fail(ErrorCodes.connectionStringInvalid, 'connection string has no AccessKey');
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return fail(ErrorCodes.connectionStringInvalid, `Endpoint "${endpoint}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return fail(ErrorCodes.connectionStringInvalid, 'Endpoint must be http or https');
  }
  const portText = fields.get('port');
  let port: number | undefined;
  if (portText !== undefined) {
    port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      return fail(ErrorCodes.connectionStringInvalid, `Port "${portText}" is not a TCP port`);
    }
  }
  const origin = `${url.protocol}//${url.hostname}`;
  return ok({
    endpoint: origin,
    ...(port !== undefined ? { port } : {}),
    accessKey,
    version,
    baseUrl: port !== undefined ? `${origin}:${port}` : url.port ? `${origin}:${url.port}` : origin,
  });
}
