/**
 * The client endpoints of docs/protocols.md §1:
 *   /ws/client?hub={hub}&format={text|binary}
 *   /ws/client/hubs/{hub}?format={text|binary}
 *   /ws/client/hubs/{hub}/formats/{text|binary}
 */
export interface ClientTarget {
  readonly hub: string;
  readonly binary: boolean;
  /** The raw query string without `?`, passed to the upstream as is. */
  readonly query: string;
}

export interface EndpointError {
  readonly status: number;
  readonly message: string;
}

/** Letters, digits, `_`, `-` and `.`: names that are safe in headers, URLs and logs. */
const HUB_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export function parseClientUrl(rawUrl: string): ClientTarget | EndpointError {
  const q = rawUrl.indexOf('?');
  const path = (q < 0 ? rawUrl : rawUrl.slice(0, q)).replace(/\/+$/, '');
  const query = q < 0 ? '' : rawUrl.slice(q + 1);
  const params = new URLSearchParams(query);
  const segments = path.split('/').slice(1);
  if (segments[0] !== 'ws' || segments[1] !== 'client') return { status: 404, message: `no client endpoint at ${path}` };
  let hub: string | undefined;
  let format: string | undefined;
  if (segments.length === 2) {
    hub = params.get('hub') ?? undefined;
  } else if (segments[2] === 'hubs' && (segments.length === 4 || (segments.length === 6 && segments[4] === 'formats'))) {
    hub = decode(segments[3] ?? '');
    format = segments.length === 6 ? decode(segments[5] ?? '') : undefined;
  } else {
    return { status: 404, message: `no client endpoint at ${path}` };
  }
  format ??= params.get('format') ?? 'text';
  if (!hub) return { status: 400, message: 'the hub is missing (path /ws/client/hubs/{hub} or query ?hub=)' };
  if (!HUB_NAME.test(hub)) return { status: 400, message: 'the hub name may hold only letters, digits, "_", "-" and "."' };
  if (format !== 'text' && format !== 'binary') return { status: 400, message: `format must be text or binary, not "${format}"` };
  return { hub, binary: format === 'binary', query };
}

/**
 * Whether a body becomes a binary frame: `application/octet-stream` is binary,
 * text and JSON are text, anything else (or nothing) follows the connection's format.
 */
export function isBinaryBody(contentType: string | string[] | undefined, binaryFormat: boolean): boolean {
  const raw = Array.isArray(contentType) ? contentType[0] : contentType;
  if (!raw) return binaryFormat;
  const type = (raw.split(';')[0] ?? '').trim().toLowerCase();
  if (type === 'application/octet-stream') return true;
  if (type.startsWith('text/') || type === 'application/json' || type.endsWith('+json')) return false;
  return binaryFormat;
}
