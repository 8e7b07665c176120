/**
 * Hand-made requests for what the SDK will not send (cross-partition batches,
 * bad signatures, SharedKey rather than SharedKeyLite, malformed bodies).
 * Signing follows the Table service formats (docs/protocols.md §4).
 */
import { createHmac } from 'node:crypto';
import type { StandIn } from '../testing/stand-ins.js';

export const DEV_ACCOUNT = 'devstoreaccount1';
const DEV_KEY = Buffer.from('Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==', 'base64');

export interface RawOptions {
  headers?: Record<string, string>;
  body?: string;
  /** Default SharedKeyLite; 'none' sends no Authorization header; 'bad' signs with a wrong key. */
  auth?: 'SharedKey' | 'SharedKeyLite' | 'none' | 'bad';
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** `path` starts after the account: "Tables", "$batch", "t(PartitionKey='p',RowKey='r')". */
export async function raw(stand: StandIn, method: string, path: string, options: RawOptions = {}): Promise<RawResponse> {
  const url = new URL(`http://127.0.0.1:${stand.port}/${DEV_ACCOUNT}/${path}`);
  const headers: Record<string, string> = {
    'x-ms-date': new Date().toUTCString(),
    'x-ms-version': '2019-02-02',
    Accept: 'application/json;odata=minimalmetadata',
    DataServiceVersion: '3.0',
    ...options.headers,
  };
  if (options.body !== undefined && !headers['Content-Type']) headers['Content-Type'] = 'application/json';
  const auth = options.auth ?? 'SharedKeyLite';
  if (auth !== 'none') {
    // Canonicalized resource (Table service formats): the account, the path as sent, and `?comp=` when present.
    const comp = url.searchParams.get('comp');
    const resource = `/${DEV_ACCOUNT}${url.pathname}${comp ? `?comp=${comp}` : ''}`;
    const text = auth === 'SharedKey' ? [method, '', headers['Content-Type'] ?? '', headers['x-ms-date'], resource].join('\n') : `${headers['x-ms-date']}\n${resource}`;
    const key = auth === 'bad' ? Buffer.from('not the key') : DEV_KEY;
    const scheme = auth === 'SharedKey' ? 'SharedKey' : 'SharedKeyLite';
    headers.Authorization = `${scheme} ${DEV_ACCOUNT}:${createHmac('sha256', key).update(text, 'utf8').digest('base64')}`;
  }
  const res = await fetch(url, { method, headers, ...(options.body !== undefined ? { body: options.body } : {}) });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** A `$batch` body with one changeset of the given sub-requests. */
export function batchBody(stand: StandIn, ops: { method: string; path: string; body?: object; headers?: Record<string, string> }[]): { body: string; contentType: string } {
  const batch = 'batch_0b9d2c6a-conformance';
  const changeset = 'changeset_7f3e-conformance';
  const lines = [`--${batch}`, `Content-Type: multipart/mixed; boundary=${changeset}`, ''];
  for (const op of ops) {
    lines.push(`--${changeset}`, 'Content-Type: application/http', 'Content-Transfer-Encoding: binary', '');
    lines.push(`${op.method} http://127.0.0.1:${stand.port}/${DEV_ACCOUNT}/${op.path} HTTP/1.1`);
    lines.push('Accept: application/json;odata=minimalmetadata', 'Content-Type: application/json', 'DataServiceVersion: 3.0;');
    for (const [k, v] of Object.entries(op.headers ?? {})) lines.push(`${k}: ${v}`);
    lines.push('', op.body ? JSON.stringify(op.body) : '');
  }
  lines.push(`--${changeset}--`, `--${batch}--`, '');
  return { body: lines.join('\r\n'), contentType: `multipart/mixed; boundary=${batch}` };
}

/** The error code inside a `$batch` response's failed changeset, with its operation index prefix. */
export function batchError(text: string): { status: number; code: string; message: string } | undefined {
  const status = /HTTP\/1\.1 (\d{3})/.exec(text);
  const body = /\{.*\}/.exec(text);
  if (!status || !body) return undefined;
  const parsed = JSON.parse(body[0]) as { 'odata.error': { code: string; message: { value: string } } };
  return { status: Number(status[1]), code: parsed['odata.error'].code, message: parsed['odata.error'].message.value };
}
