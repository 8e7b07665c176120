/** Which resource a request path names. */
import { Errors } from '../errors.js';
import { validateKey } from '../model/entity.js';

export type Route =
  | { kind: 'service' }
  | { kind: 'tables' }
  | { kind: 'table'; table: string }
  | { kind: 'batch' }
  | { kind: 'entities'; table: string; parens: boolean }
  | { kind: 'entity'; table: string; pk: string; rk: string };

const quotedKey = "'((?:[^']|'')*)'";
const entityPattern = new RegExp(`^([A-Za-z][A-Za-z0-9]*)\\(PartitionKey=${quotedKey},\\s*RowKey=${quotedKey}\\)$`);
const tablePattern = /^Tables\('((?:[^']|'')*)'\)$/;
const collectionPattern = /^([A-Za-z][A-Za-z0-9]*)(\(\))?$/;

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw Errors.invalidUri();
  }
}

/** Parses `/{account}/{resource}`; the account must be the one served. */
export function parseRoute(rawPath: string, account: string): Route {
  const segments = rawPath.split('/');
  if (segments[0] !== '' || segments[1] !== account) throw Errors.invalidUri();
  // `/account/Tables/` names the table collection as `/account/Tables` does (the service takes both).
  if (segments.length === 4 && segments[3] === '' && segments[2] === 'Tables') segments.pop();
  if (segments.length > 3) throw Errors.invalidUri();
  const resource = decode(segments[2] ?? '');
  if (resource === '') return { kind: 'service' };
  if (resource === 'Tables') return { kind: 'tables' };
  if (resource === '$batch') return { kind: 'batch' };
  const t = tablePattern.exec(resource);
  if (t) return { kind: 'table', table: t[1]!.replaceAll("''", "'") };
  const e = entityPattern.exec(resource);
  if (e) {
    return { kind: 'entity', table: e[1]!, pk: validateKey(e[2]!.replaceAll("''", "'")), rk: validateKey(e[3]!.replaceAll("''", "'")) };
  }
  const c = collectionPattern.exec(resource);
  if (c) return { kind: 'entities', table: c[1]!, parens: c[2] !== undefined };
  if (/^[A-Za-z][A-Za-z0-9]*\(/.test(resource)) throw Errors.outOfRange();
  throw Errors.invalidUri();
}
