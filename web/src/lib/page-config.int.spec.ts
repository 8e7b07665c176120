import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPageConfig } from './page-config.js';

// A real HTTP server standing in for the gateway's GET /api/config.
let server: Server;
let base: string;
const answers: Record<string, { status: number; body: string }> = {
  '/dev': { status: 200, body: JSON.stringify({ auth: 'development' }) },
  '/oidc': { status: 200, body: JSON.stringify({ auth: 'oidc', authority: 'https://login.test/t/v2.0', clientId: 'parley-web', scopes: 'openid profile chat' }) },
  '/half': { status: 200, body: JSON.stringify({ auth: 'oidc', authority: 'login.test' }) },
  '/down': { status: 503, body: '{}' },
};
beforeAll(async () => {
  server = createServer((req, res) => {
    const answer = answers[req.url ?? ''] ?? { status: 404, body: '{}' };
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const load = (path: string) => loadPageConfig((input, init) => fetch(`${base}${input}`, init), path);

describe('the page sign-in settings', () => {
  it('reads development and oidc settings', async () => {
    await expect(load('/dev')).resolves.toEqual({ auth: 'development' });
    await expect(load('/oidc')).resolves.toEqual({ auth: 'oidc', authority: 'https://login.test/t/v2.0', clientId: 'parley-web', scopes: 'openid profile chat' });
  });

  it('refuses settings it cannot use, and says when the gateway is unreachable', async () => {
    await expect(load('/half')).rejects.toMatchObject({ code: 'PARLEY_WEB_CONFIG_UNAVAILABLE', retryable: false });
    await expect(load('/down')).rejects.toMatchObject({ code: 'PARLEY_WEB_CONFIG_UNAVAILABLE', retryable: true });
  });
});
