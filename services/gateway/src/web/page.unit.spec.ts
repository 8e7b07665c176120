import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { GatewayErrorCodes } from '../errors.js';
import { testApp, testConfig } from '../testing/support.js';

const CSP =
  "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;connect-src 'self' ws://127.0.0.1:8888;object-src 'none';base-uri 'none';frame-ancestors 'none'";

let webRoot: string;
let app: FastifyInstance;
beforeAll(async () => {
  webRoot = await mkdtemp(join(tmpdir(), 'parley-web-'));
  await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>Parley</title><script src="app.js"></script>');
  await writeFile(join(webRoot, 'app.js'), 'console.log("parley");');
});
afterAll(async () => rm(webRoot, { recursive: true, force: true }));
afterEach(async () => app?.close());

function expectSecurityHeaders(headers: Record<string, unknown>) {
  expect(headers['content-security-policy']).toBe(CSP);
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['x-frame-options']).toBe('DENY');
  expect(headers['cross-origin-opener-policy']).toBe('same-origin');
}

describe('GET /api/home (development)', () => {
  it('serves index.html with a strict CSP and the usual security headers', async () => {
    ({ app } = await testApp(testConfig({ WEB_ROOT: webRoot })));
    const response = await app.inject({ method: 'GET', url: '/api/home?name=alice' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('<title>Parley</title>');
    expectSecurityHeaders(response.headers);
  });

  it('answers an unusable name with 400', async () => {
    ({ app } = await testApp(testConfig({ WEB_ROOT: webRoot })));
    const response = await app.inject({ method: 'GET', url: `/api/home?name=${encodeURIComponent('a\u0001b')}` });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: GatewayErrorCodes.nameInvalid });
  });

  it('answers 503 with the build hint when WEB_ROOT has no index.html', async () => {
    ({ app } = await testApp(testConfig({ WEB_ROOT: join(webRoot, 'missing') })));
    const response = await app.inject({ method: 'GET', url: '/api/home?name=alice' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ code: GatewayErrorCodes.webNotBuilt, message: 'web/ is not built: run npm run build -w web' });
  });

  it('is not a route in oidc mode (404)', async () => {
    const oidc = { AUTH_MODE: 'oidc', OIDC_JWKS_URL: 'http://127.0.0.1:9/jwks', OIDC_ISSUER: 'https://idp.test', OIDC_API_AUDIENCE: 'parley', OIDC_CLIENT_ID: 'parley-web', OIDC_REQUIRED_SCOPE: 'chat' };
    ({ app } = await testApp(testConfig({ ...oidc, WEB_ROOT: webRoot })));
    const response = await app.inject({ method: 'GET', url: '/api/home?name=alice' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: GatewayErrorCodes.notFound });
  });
});

describe('connect-src', () => {
  it('names the one WebSocket host negotiate hands out, never any ws: or wss: host', async () => {
    const wps = { WEBSOCKET_SERVICE: 'webpubsub', SIGNALR_CONNECTION_STRING: undefined, SIGNALR_SECONDARY_KEY: undefined };
    const config = testConfig({ ...wps, WEB_ROOT: webRoot, WEBPUBSUB_CONNECTION_STRING: 'Endpoint=https://parley.webpubsub.azure.com;AccessKey=k;Version=1.0;' });
    ({ app } = await testApp(config));
    const csp = String((await app.inject({ method: 'GET', url: '/' })).headers['content-security-policy']);
    expect(csp).toContain("connect-src 'self' wss://parley.webpubsub.azure.com;");
    expect(csp).not.toMatch(/(^|\s)wss?:(\s|;)/);
    await app.close();
    ({ app } = await testApp(testConfig({ WEB_ROOT: webRoot, SIGNALR_PUBLIC_URL: 'https://chat.example.org:8443/front' })));
    expect(String((await app.inject({ method: 'GET', url: '/' })).headers['content-security-policy'])).toContain("connect-src 'self' wss://chat.example.org:8443;");
  });
});

describe('static assets', () => {
  it('serves files of WEB_ROOT under / with the same headers', async () => {
    ({ app } = await testApp(testConfig({ WEB_ROOT: webRoot })));
    const script = await app.inject({ method: 'GET', url: '/app.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expectSecurityHeaders(script.headers);
    const index = await app.inject({ method: 'GET', url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('Parley');
  });

  it('answers 404 for unknown files and never leaves WEB_ROOT', async () => {
    ({ app } = await testApp(testConfig({ WEB_ROOT: webRoot })));
    expect((await app.inject({ method: 'GET', url: '/nope.js' })).statusCode).toBe(404);
    const traversal = await app.inject({ method: 'GET', url: '/..%2f..%2fetc%2fpasswd' });
    expect([403, 404]).toContain(traversal.statusCode);
    expect(traversal.body).not.toContain('root:');
  });

  it('adds no page headers to upstream answers', async () => {
    ({ app } = await testApp(testConfig({ WEB_ROOT: webRoot })));
    const response = await app.inject({ method: 'POST', url: '/api/messages?event=message' });
    expect(response.headers['content-security-policy']).toBeUndefined();
  });
});
