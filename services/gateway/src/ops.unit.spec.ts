import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { RecordingPublisher, testApp, testConfig } from './testing/support.js';

let app: FastifyInstance;
afterEach(async () => app?.close());

describe('ops endpoints', () => {
  it('/healthz answers ok', async () => {
    ({ app } = await testApp(testConfig()));
    const response = await app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('/readyz follows the bus sender: 200 while open, 503 once closed', async () => {
    const publisher = new RecordingPublisher();
    ({ app } = await testApp(testConfig(), { publisher }));
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await publisher.close();
    const closed = await app.inject({ method: 'GET', url: '/readyz' });
    expect(closed.statusCode).toBe(503);
    expect(closed.json()).toEqual({ status: 'not ready', checks: { bus: false } });
  });

  it('/metrics is Prometheus text with the gateway metrics and process defaults', async () => {
    ({ app } = await testApp(testConfig()));
    const response = await app.inject({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    for (const name of ['parley_gateway_requests_total', 'parley_gateway_request_seconds', 'parley_gateway_bus_send_seconds', 'parley_gateway_rejections_total', 'process_cpu_seconds_total']) {
      expect(response.body).toContain(`# TYPE ${name}`);
    }
  });

  it('answers unknown routes with a coded 404', async () => {
    ({ app } = await testApp(testConfig()));
    const response = await app.inject({ method: 'POST', url: '/api/nothing' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'PARLEY_GATEWAY_NOT_FOUND' });
  });
});
