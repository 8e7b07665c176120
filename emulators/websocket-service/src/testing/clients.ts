import { SignJWT } from 'jose';
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { waitFor } from './wait.js';

export interface Frame {
  readonly data: Buffer;
  readonly binary: boolean;
}

/** A real ws client that keeps every frame and its close. */
export interface TestClient {
  readonly ws: WebSocket;
  readonly frames: Frame[];
  readonly protocol: string;
  closed: { code: number; reason: string } | undefined;
  next(timeoutMs?: number): Promise<Frame>;
  texts(): string[];
  waitClosed(timeoutMs?: number): Promise<{ code: number; reason: string }>;
}

export function openClient(url: string, protocols?: string | string[]): Promise<TestClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols);
    const frames: Frame[] = [];
    let read = 0;
    const client: TestClient = {
      ws,
      frames,
      get protocol() {
        return ws.protocol;
      },
      closed: undefined,
      async next(timeoutMs = 10_000) {
        const frame = await waitFor(() => frames[read], timeoutMs, 'a frame');
        read++;
        return frame;
      },
      texts: () => frames.map((f) => f.data.toString()),
      waitClosed: (timeoutMs = 10_000) => waitFor(() => client.closed, timeoutMs, 'the close'),
    };
    ws.on('message', (data, binary) => frames.push({ data: data as Buffer, binary }));
    ws.on('close', (code, reason) => (client.closed = { code, reason: reason.toString() }));
    ws.once('open', () => resolve(client));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(Object.assign(new Error(`handshake refused: ${res.statusCode}`), { status: res.statusCode, body: Buffer.concat(chunks).toString() })));
    });
  });
}

/** Opens a client expected to be refused; resolves with the HTTP status and body it got. */
export async function refusedStatus(url: string, protocols?: string | string[]): Promise<{ status: number; body: string }> {
  try {
    const client = await openClient(url, protocols);
    client.ws.close();
  } catch (error) {
    const e = error as { status?: number; body?: string };
    if (e.status !== undefined) return { status: e.status, body: e.body ?? '' };
    throw error;
  }
  throw new Error(`expected ${url} to be refused, but it connected`);
}

/** A REST token: HS256 with `aud` = url without query, expiring in an hour unless told otherwise. */
export async function restToken(url: string, key: string, opts: { aud?: string; expSeconds?: number; noExp?: boolean } = {}): Promise<string> {
  const jwt = new SignJWT({}).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setAudience(opts.aud ?? url.split('?')[0] ?? url).setIssuedAt();
  if (!opts.noExp) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + (opts.expSeconds ?? 3600));
  return jwt.sign(new TextEncoder().encode(key));
}

/** Calls the REST API with a valid token for the primary key. */
export async function rest(
  url: string,
  key: string,
  init: { method?: string; body?: string | Buffer; contentType?: string } = {},
): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = { authorization: `Bearer ${await restToken(url, key)}` };
  if (init.contentType) headers['content-type'] = init.contentType;
  const res = await fetch(url, { method: init.method ?? 'POST', headers, body: init.body });
  return { status: res.status, body: await res.text() };
}

/** Starts a WebSocket handshake by hand, so a test can drop the TCP connection at any moment. */
export function rawUpgrade(port: number, path: string): Socket {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  return socket;
}
