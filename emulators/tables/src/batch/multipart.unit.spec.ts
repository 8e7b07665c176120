import { describe, expect, it } from 'vitest';
import { ServiceError } from '../errors.js';
import { boundaryOf, parseBatch } from './multipart.js';

const body = [
  '--batch_1',
  'Content-Type: multipart/mixed; boundary=changeset_2',
  '',
  '--changeset_2',
  'Content-Type: application/http',
  'Content-Transfer-Encoding: binary',
  '',
  'POST http://127.0.0.1:10002/devstoreaccount1/t HTTP/1.1',
  'Accept: application/json',
  'Prefer: return-no-content',
  '',
  '',
  '{"PartitionKey":"p","RowKey":"r"}',
  '--changeset_2',
  'Content-Type: application/http',
  'Content-Transfer-Encoding: binary',
  '',
  "DELETE http://127.0.0.1:10002/devstoreaccount1/t(PartitionKey='p',RowKey='x') HTTP/1.1",
  'If-Match: *',
  '',
  '--changeset_2--',
  '--batch_1--',
  '',
].join('\r\n');

describe('the $batch body parser', () => {
  it('reads the boundary and every sub-request of the changeset', () => {
    expect(boundaryOf('multipart/mixed; boundary=batch_1')).toBe('batch_1');
    expect(boundaryOf('application/json')).toBeUndefined();
    const parsed = parseBatch(body, 'batch_1');
    expect(parsed.changeset).toBe(true);
    expect(parsed.parts.map((p) => p.method)).toEqual(['POST', 'DELETE']);
    expect(JSON.parse(parsed.parts[0]!.body)).toEqual({ PartitionKey: 'p', RowKey: 'r' });
    expect(parsed.parts[0]!.headers.get('prefer')).toBe('return-no-content');
    expect(parsed.parts[1]!.headers.get('if-match')).toBe('*');
  });

  it('accepts bare LF line endings', () => {
    expect(parseBatch(body.replaceAll('\r\n', '\n'), 'batch_1').parts).toHaveLength(2);
  });

  it.each([
    ['no closing boundary', body.slice(0, body.indexOf('--changeset_2--'))],
    ['a garbled request line', body.replace('POST http', 'POST  http')],
    ['a part that is not application/http', body.replace('Content-Type: application/http', 'Content-Type: text/plain')],
    ['two batch parts', body.replace('--batch_1--', '--batch_1\r\nContent-Type: application/http\r\n\r\nGET / HTTP/1.1\r\n\r\n--batch_1--')],
    ['nothing at all', ''],
  ])('refuses %s as InvalidInput', (_why, text) => {
    expect(() => parseBatch(text, 'batch_1')).toThrow(ServiceError);
  });
});
