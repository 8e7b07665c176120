import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createRegistry } from '@parley/service-kit';
import { createGatewayMetrics } from './metrics.js';
import { testApp, testConfig } from './testing/support.js';

let app: FastifyInstance;
afterEach(async () => app?.close());

describe('the public app and the ops routes', () => {
  it.each(['/healthz', '/readyz', '/metrics'])('does not serve %s on the public port (the ops server does, on OPS_PORT)', async (url) => {
    ({ app } = await testApp(testConfig()));
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'PARLEY_GATEWAY_NOT_FOUND' });
  });

  it('registers the gateway metrics on the registry the ops server serves', async () => {
    const registry = createRegistry('gateway-test');
    ({ app } = await testApp(testConfig(), { registry, metrics: createGatewayMetrics(registry) }));
    const text = await registry.metrics();
    for (const name of ['parley_gateway_requests_total', 'parley_gateway_request_seconds', 'parley_gateway_bus_send_seconds', 'parley_gateway_rejections_total', 'process_cpu_seconds_total']) {
      expect(text).toContain(`# TYPE ${name}`);
    }
  });

  it('answers unknown routes with a coded 404', async () => {
    ({ app } = await testApp(testConfig()));
    const response = await app.inject({ method: 'POST', url: '/api/nothing' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ code: 'PARLEY_GATEWAY_NOT_FOUND' });
  });

  it('reads OPS_PORT apart from PORT, 7074 by default', () => {
    expect(testConfig({ OPS_PORT: undefined }).ops.port).toBe(7074);
    expect(testConfig({ OPS_PORT: '9100', PORT: '9000' })).toMatchObject({ port: 9000, ops: { port: 9100 } });
    expect(() => testConfig({ OPS_PORT: 'x' })).toThrow('OPS_PORT: must be an integer');
  });
});
