/** What a link address names, before the broker checks that it exists. */
export type Address =
  | { kind: 'cbs' }
  | { kind: 'entity'; entity: string; subscription?: string; deadLetter: boolean; management: boolean };

/**
 * Parses `<queue>`, `<topic>`, `<topic>/Subscriptions/<sub>`, each optionally
 * followed by `/$DeadLetterQueue` and/or `/$management`, and `$cbs`. Clients
 * may send a full `sb://host/...` URL. Names compare case-insensitively later.
 */
export function parseAddress(address: string): Address | undefined {
  let path = address.trim();
  const scheme = /^(?:sb|amqps?):\/\/[^/]*\/?/i.exec(path);
  if (scheme) path = path.slice(scheme[0].length);
  path = path.replace(/^\/+|\/+$/g, '');
  if (path.toLowerCase() === '$cbs') return { kind: 'cbs' };
  const parts = path.split('/');
  let management = false;
  let deadLetter = false;
  if (parts.length > 1 && parts[parts.length - 1]?.toLowerCase() === '$management') {
    management = true;
    parts.pop();
  }
  if (parts.length > 1 && parts[parts.length - 1]?.toLowerCase() === '$deadletterqueue') {
    deadLetter = true;
    parts.pop();
  }
  if (parts.length === 1 && parts[0]) return { kind: 'entity', entity: parts[0], deadLetter, management };
  if (parts.length === 3 && parts[0] && parts[1]?.toLowerCase() === 'subscriptions' && parts[2]) {
    return { kind: 'entity', entity: parts[0], subscription: parts[2], deadLetter, management };
  }
  return undefined;
}
