import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { negotiate } from './negotiate.js';
import { WebError } from './errors.js';

// A real HTTP server standing in for the gateway's negotiate route.
let server: Server;
let base: string;
const answers: Record<string, { status: number; body: unknown }> = {
  alice: { status: 200, body: { url: 'ws://127.0.0.1:1/ws/client/hubs/chat?access_token=t', accessToken: 't', expiresAt: '2030-01-01T00:00:00Z', user: 'alice' } },
  bad: { status: 400, body: { code: 'PARLEY_NAME_INVALID', message: 'name is not allowed' } },
  busy: { status: 503, body: { message: 'bus down' } },
  weird: { status: 200, body: { url: 'http://not-a-socket' } },
};
const seen: unknown[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { name: string };
      seen.push({ method: req.method, url: req.url, type: req.headers['content-type'], body: parsed, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
      const answer = answers[parsed.name] ?? { status: 500, body: {} };
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const call = (name: string) => negotiate((input, init) => fetch(`${base}${input}`, init), name);

describe('negotiate', () => {
  it('POSTs the name as JSON and returns the socket URL', async () => {
    await expect(call('alice')).resolves.toEqual({
      url: 'ws://127.0.0.1:1/ws/client/hubs/chat?access_token=t', user: 'alice', expiresAt: '2030-01-01T00:00:00Z',
    });
    expect(seen[0]).toEqual({ method: 'POST', url: '/api/negotiate', type: 'application/json', body: { name: 'alice' } });
  });

  it('sends the OpenID Connect access token as a bearer token when signed in that way', async () => {
    await negotiate((input, init) => fetch(`${base}${input}`, init), 'alice', '/api/negotiate', 'provider-token');
    expect(seen.at(-1)).toMatchObject({ method: 'POST', authorization: 'Bearer provider-token' });
  });

  it('treats a 4xx as final and a 5xx or a bad answer as worth retrying', async () => {
    await expect(call('bad')).rejects.toMatchObject({ code: 'PARLEY_WEB_NEGOTIATE_REJECTED', retryable: false, message: 'sign-in refused (400): name is not allowed' });
    await expect(call('busy')).rejects.toMatchObject({ code: 'PARLEY_WEB_NEGOTIATE_FAILED', retryable: true });
    await expect(call('weird')).rejects.toMatchObject({ code: 'PARLEY_WEB_NEGOTIATE_INVALID', retryable: true });
    const unreachable = negotiate(() => fetch('http://127.0.0.1:1/'), 'x');
    await expect(unreachable).rejects.toBeInstanceOf(WebError);
    await expect(unreachable).rejects.toMatchObject({ retryable: true });
  });
});
