import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';

interface Upstream {
  readonly key: string;
  readonly port: number;
}

/** Connect errors that prove the request never reached the copy, so another copy may take it. */
const NEVER_ARRIVED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ECONNABORTED']);

/**
 * The gateways' one port, as a Kubernetes Service spreads calls over its
 * pods: each HTTP request goes to the next copy in turn, so one WebSocket
 * connection's `connect`, `connected`, messages and `disconnected` calls land
 * on different copies, as they do in production. A copy is taken out before it
 * is stopped (the endpoint controller removing a terminating pod); a copy that
 * died without notice refuses the connection, and the request goes to the next
 * copy (what kube-proxy's retries and readiness bring about within seconds).
 * A request in flight when its copy dies fails with 502, as it would in a cluster.
 */
export class GatewayProxy {
  private upstreams: Upstream[] = [];
  private next = 0;
  private readonly agent = new Agent({ keepAlive: true });

  private constructor(private readonly server: Server) {}

  static async listen(port: number): Promise<GatewayProxy> {
    const server = createServer();
    const proxy = new GatewayProxy(server);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => void proxy.forward(request, response));
    server.listen(port, '127.0.0.1');
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
    return proxy;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** The copies requests go to, in turn. */
  get members(): readonly string[] {
    return this.upstreams.map((upstream) => upstream.key);
  }

  add(key: string, port: number): void {
    this.remove(key);
    this.upstreams.push({ key, port });
  }

  remove(key: string): void {
    this.upstreams = this.upstreams.filter((upstream) => upstream.key !== key);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }

  private async forward(request: IncomingMessage, response: ServerResponse): Promise<void> {
    // Buffered so that a request refused by a dead copy can be sent to the next one. The gateway's calls are small.
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of request) chunks.push(chunk as Buffer);
    } catch {
      return;
    }
    const body = Buffer.concat(chunks);
    const tried = new Set<string>();
    for (;;) {
      const upstream = this.pick(tried);
      if (!upstream) {
        if (!response.headersSent) response.writeHead(503, { 'content-type': 'text/plain' });
        response.end('no gateway copy is running\n');
        return;
      }
      tried.add(upstream.key);
      const outcome = await this.sendTo(upstream, request, body, response);
      if (outcome !== 'retry') return;
    }
  }

  private pick(tried: ReadonlySet<string>): Upstream | undefined {
    for (let i = 0; i < this.upstreams.length; i++) {
      const upstream = this.upstreams[this.next++ % this.upstreams.length]!;
      if (!tried.has(upstream.key)) return upstream;
    }
    return undefined;
  }

  private sendTo(upstream: Upstream, request: IncomingMessage, body: Buffer, response: ServerResponse): Promise<'done' | 'retry'> {
    const headers = { ...request.headers, 'content-length': String(body.length) };
    delete headers['transfer-encoding'];
    return new Promise((resolve) => {
      const outgoing = httpRequest(
        {
          host: '127.0.0.1',
          port: upstream.port,
          method: request.method,
          path: request.url,
          headers,
          agent: this.agent,
        },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.headers);
          answer.pipe(response);
          answer.once('error', () => response.destroy());
          answer.once('end', () => resolve('done'));
          response.once('close', () => {
            answer.destroy();
            resolve('done');
          });
        },
      );
      outgoing.once('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive socket the copy closed as it died, or a copy that is gone: the request never reached it.
        const neverArrived = NEVER_ARRIVED.has(error.code ?? '') || (error.code === 'ECONNRESET' && outgoing.reusedSocket);
        if (neverArrived && !response.headersSent) return resolve('retry');
        if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' });
        response.end(`gateway copy ${upstream.key} failed: ${error.code ?? error.message}\n`);
        resolve('done');
      });
      outgoing.end(body);
    });
  }
}
