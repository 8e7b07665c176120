import fastify from 'fastify';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { opsRoutes } from './ops-server.js';

async function opsApp(checks: { ready: () => boolean; alive: () => boolean }) {
  const app = fastify();
  await app.register(opsRoutes, { registry: new Registry(), readiness: { consumer: checks.ready }, liveness: { consumer: checks.alive } });
  return app;
}

describe('ops routes', () => {
  it('/healthz follows the liveness checks and /readyz the readiness checks, each on its own', async () => {
    let ready = false;
    let alive = true;
    const app = await opsApp({ ready: () => ready, alive: () => alive });
    try {
      expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
      const starting = await app.inject('/readyz');
      expect([starting.statusCode, starting.json()]).toEqual([503, { status: 'not ready', checks: { consumer: false } }]);
      ready = true;
      expect((await app.inject('/readyz')).statusCode).toBe(200);
      alive = false;
      const dead = await app.inject('/healthz');
      expect([dead.statusCode, dead.json()]).toEqual([503, { status: 'failing', checks: { consumer: false } }]);
    } finally {
      await app.close();
    }
  });

  it('counts a check that throws as failing', async () => {
    const app = await opsApp({ ready: () => true, alive: () => { throw new Error('broken'); } });
    try {
      expect((await app.inject('/healthz')).statusCode).toBe(503);
    } finally {
      await app.close();
    }
  });
});
