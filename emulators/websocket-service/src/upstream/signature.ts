import { createHmac } from 'node:crypto';

/** hex(HMAC-SHA256(key = access key, data = connection id)), one `sha256=` value per key (docs/protocols.md §1). */
export function signatureHeader(connectionId: string, accessKeys: readonly string[]): string {
  let header = '';
  for (const key of accessKeys) {
    if (header) header += ',';
    header += `sha256=${createHmac('sha256', key).update(connectionId, 'utf8').digest('hex')}`;
  }
  return header;
}
