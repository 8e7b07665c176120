/**
 * Parses an entity group transaction body (`multipart/mixed`): one batch part
 * holding one changeset of HTTP requests, or a single HTTP request (a GET).
 * Any malformation is the service's 400 InvalidInput.
 */
import { Errors } from '../errors.js';

export interface BatchPart {
  readonly method: string;
  /** The sub-request URL as written in the part. */
  readonly url: string;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

export interface ParsedBatch {
  readonly parts: BatchPart[];
  /** Whether the parts came in a changeset (writes) rather than alone (one query). */
  readonly changeset: boolean;
  readonly changesetBoundary: string | undefined;
}

const bad = (why: string) => Errors.invalidInput(`The batch request body is malformed: ${why}.`);

export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/mixed/i.test(contentType.trim())) return undefined;
  const m = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const b = m?.[1] ?? m?.[2];
  return b && b.length <= 200 ? b : undefined;
}

/** Splits a multipart body into its parts (the text between delimiter lines). */
function splitParts(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const lines = body.split(/\r?\n/);
  const parts: string[] = [];
  let current: string[] | undefined;
  let closed = false;
  for (const line of lines) {
    const trimmed = line.trimEnd();
    if (trimmed === `${delimiter}--`) {
      if (current) parts.push(current.join('\r\n'));
      closed = true;
      break;
    }
    if (trimmed === delimiter) {
      if (current) parts.push(current.join('\r\n'));
      current = [];
    } else if (current) {
      current.push(line);
    }
  }
  if (!closed) throw bad('no closing boundary');
  return parts;
}

/** Headers up to the first empty line, then the rest. */
function splitHead(text: string): { headers: Map<string, string>; rest: string; first?: string } {
  const end = text.search(/\r?\n\r?\n/);
  const head = end < 0 ? text : text.slice(0, end);
  const rest = end < 0 ? '' : text.slice(end).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw bad(`header line "${line.slice(0, 80)}"`);
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, rest };
}

function parseHttpPart(text: string): BatchPart {
  const outer = splitHead(text.replace(/^\r?\n/, ''));
  if (!/^application\/http/i.test(outer.headers.get('content-type') ?? '')) throw bad('a part is not application/http');
  const lines = outer.rest.replace(/^(\r?\n)+/, '');
  const nl = lines.search(/\r?\n/);
  const requestLine = (nl < 0 ? lines : lines.slice(0, nl)).trim();
  const m = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(requestLine);
  if (!m) throw bad(`request line "${requestLine.slice(0, 80)}"`);
  const inner = splitHead(nl < 0 ? '' : lines.slice(nl).replace(/^\r?\n/, ''));
  return { method: m[1]!, url: m[2]!, headers: inner.headers, body: inner.rest.replace(/(\r?\n)+$/, '') };
}

export function parseBatch(body: string, boundary: string): ParsedBatch {
  const parts = splitParts(body, boundary);
  if (parts.length !== 1) throw bad('a batch holds exactly one changeset or one query');
  const part = parts[0]!;
  const { headers, rest } = splitHead(part.replace(/^\r?\n/, ''));
  const inner = boundaryOf(headers.get('content-type'));
  if (inner) {
    const ops = splitParts(rest, inner).map(parseHttpPart);
    return { parts: ops, changeset: true, changesetBoundary: inner };
  }
  return { parts: [parseHttpPart(part)], changeset: false, changesetBoundary: undefined };
}
