import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignJWT } from 'jose';
import { Pool } from 'undici';
import { WebSocket } from 'ws';

export const KEY = 'bench-primary-key-0123456789abcdef';
const BIN = fileURLToPath(new URL('../bin/signalr-emulator.js', import.meta.url));

/**
 * A trivial upstream for both faces: seed connect binds `?user=`, a seed
 * message or a Web PubSub user event is echoed as text; the Web PubSub
 * abuse-protection OPTIONS allows every origin.
 */
export async function startUpstream(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(200, { 'webhook-allowed-origin': '*', 'content-length': '0' });
      res.end();
      return;
    }
    const event = req.headers['ce-type'] === 'azure.webpubsub.user.message' ? 'message' : req.headers['x-asrs-event'];
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (event === 'connect') {
        const query = new URLSearchParams(String(req.headers['x-asrs-client-query'] ?? ''));
        res.writeHead(200, { 'x-asrs-user-id': query.get('user') ?? 'anon', 'content-length': '0' });
        res.end();
      } else if (event === 'message') {
        const body = Buffer.concat(chunks);
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(body.length) });
        res.end(body);
      } else {
        res.writeHead(200, { 'content-length': '0' });
        res.end();
      }
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server };
}

export interface EmulatorProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** Resident memory of the emulator process, from /proc. */
  rssBytes(): number;
  /** CPU time (user + system) the emulator process used so far, in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

/** The real bin in its own process, so that clients and emulator each have a core and their own fd limit. */
export async function startEmulator(upstreamUrl: string): Promise<EmulatorProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'signalr-bench-'));
  const config = join(dir, 'config.json');
  writeFileSync(
    config,
    JSON.stringify({
      accessKeys: { primary: KEY },
      upstream: { templates: [{ urlTemplate: `${upstreamUrl}/api/messages?event={event}` }] },
      limits: { keepAliveIntervalMs: 0 },
      // Web PubSub face: user events only (no connect call: the token is enough), to the same trivial upstream.
      webPubSub: { Hubs: { '*': { EventHandlers: [{ UrlTemplate: `${upstreamUrl}/webpubsub/{hub}/{event}`, SystemEvents: [], EventPattern: 'message' }] } } },
    }),
  );
  const child = spawn(process.execPath, [...(process.env.SIGNALR_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), BIN, '--port', '0', '--config', config, '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      for (const line of buffered.split('\n')) {
        if (line.includes('"msg":"ready"')) resolve((JSON.parse(line) as { port: number }).port);
        else if (line.includes('"level":40') || line.includes('"level":50')) process.stderr.write(`${line}\n`);
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  return {
    port,
    child,
    rssBytes() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return kb * 1024;
    },
    cpuMs() {
      // Fields 14 and 15 of /proc/<pid>/stat are utime and stime in clock ticks (100 per second on Linux).
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export type OnFrame = (data: Buffer, at: number, index: number) => void;

/** Which API the clients use: the seed `/ws/client` or Web PubSub's `/client` (simple clients, token per user). */
export type Face = 'seed' | 'webpubsub';

async function clientUrl(face: Face, port: number, hub: string, user: string): Promise<string> {
  if (face === 'seed') return `ws://127.0.0.1:${port}/ws/client/hubs/${hub}?user=${user}`;
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setAudience(`http://127.0.0.1:${port}/client/hubs/${hub}`)
    .setSubject(user)
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(KEY));
  return `ws://127.0.0.1:${port}/client/hubs/${hub}?access_token=${token}`;
}

/** Opens `count` clients (user `${prefix}${i}`), `concurrency` handshakes at a time. */
export async function openClients(port: number, hub: string, prefix: string, count: number, onFrame: OnFrame, concurrency = 100, face: Face = 'seed'): Promise<WebSocket[]> {
  const clients: WebSocket[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const url = await clientUrl(face, port, hub, `${prefix}${i}`);
      clients[i] = await new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(url, { perMessageDeflate: false });
        ws.on('message', (data) => onFrame(data as Buffer, performance.now(), i));
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return clients;
}

export async function closeClients(clients: WebSocket[]): Promise<void> {
  await Promise.all(
    clients.map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', () => resolve());
          ws.close();
        }),
    ),
  );
}

/** REST calls over one keep-alive pool, with a token per URL signed once. */
export class RestClient {
  private readonly pool: Pool;
  private readonly tokens = new Map<string, string>();

  constructor(private readonly port: number) {
    this.pool = new Pool(`http://127.0.0.1:${port}`, { connections: 64 });
  }

  async call(method: 'POST' | 'PUT', path: string, body?: Buffer): Promise<number> {
    let token = this.tokens.get(path);
    if (!token) {
      token = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setAudience(`http://127.0.0.1${path}`)
        .setExpirationTime('2h')
        .sign(new TextEncoder().encode(KEY));
      this.tokens.set(path, token);
    }
    const res = await this.pool.request({
      method,
      path,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'text/plain' } : {}) },
      body: body ?? '',
    });
    await res.body.dump();
    return res.statusCode;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** A 1 KB text frame whose first 8 characters are its sequence number. */
export function frame(seq: number, size = 1024): Buffer {
  const head = String(seq).padStart(8, '0');
  return Buffer.from(head + 'x'.repeat(size - head.length));
}

export function seqOf(data: Buffer): number {
  return Number(data.toString('latin1', 0, 8));
}

export function percentile(values: Float64Array, p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}
