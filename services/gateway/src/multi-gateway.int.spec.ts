import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { ServiceBusClient } from '@azure/service-bus';
import { request } from 'undici';
import { ErrorCodes, type NotifierEnvelope } from '@parley/contracts';
import { pinoReady, startProcess, startServiceBus, startTables, WORKSPACE_ROOT, type RunningProcess, type StandIn } from '@parley/testkit';
import { drainNextNotificationSession, testBusClient } from './testing/bus.js';
import { startGatewayCopy, stopGatewayCopy, type GatewayCopy } from './testing/gateway-copy.js';
import { gatewayToken, upstreamHeaders, type UpstreamCall } from './testing/support.js';

const RATE = { perSecond: 1, burst: 3 };
const MAX_CONNECTIONS = 3;

/** One gateway copy with the test's per-user limits. */
const startGateway = (bus: string, copy: number): Promise<GatewayCopy> =>
  startGatewayCopy(`gateway-copy-${copy}`, { SERVICEBUS_CONNECTION_STRING: bus, RATE_LIMIT_PER_SECOND: String(RATE.perSecond), RATE_LIMIT_BURST: String(RATE.burst) });

async function call(gateway: GatewayCopy, upstream: UpstreamCall, body?: string) {
  const response = await request(`${gateway.base}/api/messages?event=${upstream.event}`, {
    method: 'POST',
    headers: { ...upstreamHeaders(upstream), ...(body !== undefined ? { 'content-type': 'text/plain' } : {}) },
    ...(body !== undefined ? { body } : {}),
  });
  const text = await response.body.text();
  return { status: response.statusCode, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}

/**
 * Two gateway copies against one bus, as a Kubernetes Service spreads one user's calls over
 * pods, with a real chat-worker process behind them: the per-user rate and connection cap hold
 * across the copies. The worker's notifier commands are read straight from `notifications`.
 */
describe('two gateways, one user: the per-user limits hold across copies', { timeout: 180_000 }, () => {
  let bus: StandIn;
  let tables: StandIn;
  let worker: RunningProcess;
  let gateways: GatewayCopy[];
  let reader: ServiceBusClient;
  const commands: NotifierEnvelope[] = [];

  /** Reads `notifications` until `done` holds for what arrived so far (a positive wait, never a sleep). */
  async function commandsUntil(done: (all: readonly NotifierEnvelope[]) => boolean, timeoutMs = 60_000): Promise<readonly NotifierEnvelope[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(commands)) {
      if (Date.now() > deadline) throw new Error(`timed out; commands so far: ${JSON.stringify(commands.map((c) => c.data))}`);
      commands.push(...(await drainNextNotificationSession(reader, 2_000)));
    }
    return commands;
  }

  beforeAll(async () => {
    [bus, tables] = await Promise.all([startServiceBus(), startTables()]);
    worker = await startProcess({
      name: 'chat-worker',
      command: process.execPath,
      args: ['--import', 'tsx', join(WORKSPACE_ROOT, 'services/chat-worker/src/main.ts')],
      env: {
        PORT: '0',
        LOG_LEVEL: 'warn',
        SERVICEBUS_CONNECTION_STRING: bus.connectionString,
        TABLES_CONNECTION_STRING: tables.connectionString,
        MAX_CONNECTIONS_PER_USER: String(MAX_CONNECTIONS),
      },
      ready: pinoReady,
    });
    gateways = [await startGateway(bus.connectionString, 0), await startGateway(bus.connectionString, 1)];
    reader = testBusClient(bus.connectionString);
  });
  afterAll(async () => {
    for (const gateway of gateways ?? []) {
      await stopGatewayCopy(gateway);
    }
    await reader?.close();
    await worker?.kill();
    await Promise.all([bus?.stop(), tables?.stop()]);
  });

  it('a flood of connects spread over both gateways: at most the cap stay open, the rest are closed with the code', async () => {
    const user = 'cap-user';
    const connectionIds = Array.from({ length: MAX_CONNECTIONS + 2 }, (_, i) => `cap-conn-${i}`);
    const token = await gatewayToken(user);
    for (const [i, connectionId] of connectionIds.entries()) {
      const answer = await call(gateways[i % 2]!, { event: 'connect', connectionId, clientQuery: `access_token=${token}` });
      expect(answer.status).toBe(200);
    }
    const mine = (all: readonly NotifierEnvelope[]) =>
      all.filter((c) => 'connectionId' in c.data && connectionIds.includes(c.data.connectionId));
    const settled = (all: readonly NotifierEnvelope[]) =>
      mine(all).filter((c) => (c.data.action === 'sendToConnection' && (c.data.frame.type === 'state' || c.data.frame.type === 'error'))).length === connectionIds.length;
    const all = mine(await commandsUntil(settled));

    const opened = all.filter((c) => c.data.action === 'sendToConnection' && c.data.frame.type === 'state');
    const closed = all.filter((c) => c.data.action === 'closeConnection');
    expect(opened).toHaveLength(MAX_CONNECTIONS);
    expect(closed).toHaveLength(2);
    for (const close of closed) expect(close.data).toMatchObject({ reason: expect.stringMatching(new RegExp(`^${ErrorCodes.tooManyConnections}: `)) });
    const refusedFrames = all.filter((c) => c.data.action === 'sendToConnection' && c.data.frame.type === 'error');
    expect(refusedFrames.map((c) => (c.data as { frame: { error: { code: string } } }).frame.error.code)).toEqual([ErrorCodes.tooManyConnections, ErrorCodes.tooManyConnections]);

    // A refused connection that goes away frees nothing; one that was open frees a place.
    const refusedIds = closed.map((c) => (c.data as { connectionId: string }).connectionId);
    const openIds = connectionIds.filter((id) => !refusedIds.includes(id));
    for (const connectionId of refusedIds) await call(gateways[0]!, { event: 'disconnect', connectionId, userId: user });
    await call(gateways[1]!, { event: 'disconnect', connectionId: openIds[0]!, userId: user });
    const late = 'cap-conn-late';
    await call(gateways[0]!, { event: 'connect', connectionId: late, clientQuery: `access_token=${token}` });
    const lateOutcome = (list: readonly NotifierEnvelope[]) => list.find((c) => c.data.action === 'sendToConnection' && c.data.connectionId === late);
    expect(lateOutcome(await commandsUntil((list) => lateOutcome(list) !== undefined))?.data).toMatchObject({ frame: { type: 'state' } });
  });

  it('one user\'s frames through both gateways: each gateway lets its own burst through, the worker holds the user to one rate', async () => {
    const user = 'rate-user';
    const token = await gatewayToken(user);
    const connections = ['rate-conn-a', 'rate-conn-b'];
    for (const [i, connectionId] of connections.entries()) {
      expect((await call(gateways[i]!, { event: 'connect', connectionId, clientQuery: `access_token=${token}` })).status).toBe(200);
    }
    const started = Date.now();
    const acked: string[] = [];
    for (let i = 0; i < 16; i++) {
      const id = `r-${i}`;
      const answer = await call(gateways[i % 2]!, { event: 'message', connectionId: connections[i % 2]!, userId: user }, JSON.stringify({ type: 'send', id, text: `m${i}` }));
      expect(answer.status).toBe(200);
      if (answer.json?.ok === true) acked.push(id);
      else expect(answer.json).toMatchObject({ ok: false, error: { code: ErrorCodes.rateLimited } });
    }
    const seconds = (Date.now() - started) / 1000;

    const outcomeOf = (all: readonly NotifierEnvelope[], id: string) =>
      all.find((c) => (c.data.action === 'sendToAll' && c.data.frame.type === 'message' && c.data.frame.clientId === id && c.data.frame.from === user) || (c.data.action === 'sendToConnection' && c.data.frame.type === 'error' && c.data.frame.id === id));
    const all = await commandsUntil((list) => acked.every((id) => outcomeOf(list, id) !== undefined));
    const delivered = acked.filter((id) => outcomeOf(all, id)?.data.action === 'sendToAll');
    const refused = acked.filter((id) => outcomeOf(all, id)?.data.action === 'sendToConnection');

    // Each gateway alone let through its burst: together more than one user's bucket holds.
    expect(acked.length).toBeGreaterThanOrEqual(2 * RATE.burst);
    // The worker let through no more than one bucket (the gateway's burst plus one) and its refill.
    expect(delivered.length).toBeLessThanOrEqual(RATE.burst + 1 + Math.ceil(RATE.perSecond * seconds));
    expect(refused.length).toBeGreaterThan(0);
    for (const id of refused) expect(outcomeOf(all, id)?.data).toMatchObject({ frame: { error: { code: ErrorCodes.rateLimited } } });
  });
});
