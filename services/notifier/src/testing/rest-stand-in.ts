import Fastify, { type FastifyInstance } from 'fastify';
import { jwtVerify } from 'jose';

/** One request the stand-in received. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly contentType: string | undefined;
  readonly body: string;
  readonly at: number;
  /** The client socket's port: the same value across calls means a kept-alive connection. */
  readonly remotePort: number | undefined;
  /** HS256 with the key and `aud` = exactly this request's URL without query. */
  readonly authValid: boolean;
  /** The status the stand-in answered. */
  status: number;
}

export interface ScriptedAnswer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly delayMs?: number;
}

export interface RestStandIn {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** Answers for one path (without query), used in order; the last one repeats. */
  script(path: string, answers: ScriptedAnswer[]): void;
  /** Answers every request to `path` whose body `matches` with `answer`, before any script (a frame the service refuses). */
  refuse(path: string, matches: (body: string) => boolean, answer: ScriptedAnswer): void;
  requestsTo(path: string): RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A fastify stand-in of the WebSocket service's REST API answering scripted
 * status sequences (202 when nothing is scripted). Used to drive the
 * notifier's retry, Retry-After and dead-letter paths, which the emulator
 * never produces on its own.
 */
export async function startRestStandIn(accessKey: string): Promise<RestStandIn> {
  const app: FastifyInstance = Fastify({ logger: false, keepAliveTimeout: 60_000 });
  const key = new TextEncoder().encode(accessKey);
  const requests: RecordedRequest[] = [];
  const scripts = new Map<string, ScriptedAnswer[]>();
  const refusals: Array<{ path: string; matches: (body: string) => boolean; answer: ScriptedAnswer }> = [];
  let baseUrl = '';
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.all('/*', async (req, reply) => {
    const path = req.url.split('?')[0] ?? req.url;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const authValid = token ? await jwtVerify(token, key, { audience: `${baseUrl}${path}`, algorithms: ['HS256'], requiredClaims: ['exp'] }).then(() => true, () => false) : false;
    const record: RecordedRequest = {
      method: req.method,
      url: req.url,
      contentType: req.headers['content-type'],
      body: typeof req.body === 'string' ? req.body : '',
      at: Date.now(),
      remotePort: req.socket.remotePort,
      authValid,
      status: 0,
    };
    requests.push(record);
    const script = scripts.get(path);
    const refusal = refusals.find((rule) => rule.path === path && rule.matches(record.body));
    const answer = refusal?.answer ?? (script && script.length > 1 ? script.shift() : script?.[0]) ?? { status: 202 };
    record.status = answer.status;
    if (answer.delayMs) await new Promise((resolve) => setTimeout(resolve, answer.delayMs));
    return reply.code(answer.status).headers(answer.headers ?? {}).send(answer.body ?? '');
  });

  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  baseUrl = address;
  return {
    baseUrl,
    requests,
    script: (path, answers) => scripts.set(path, [...answers]),
    refuse: (path, matches, answer) => refusals.push({ path, matches, answer }),
    requestsTo: (path) => requests.filter((r) => r.url.split('?')[0] === path),
    close: () => app.close(),
  };
}
