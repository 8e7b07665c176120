/**
 * Benchmark of the notifier's REST path in both dialects, in one run against
 * one local WebSocket service: the seed dialect and Web PubSub, both over
 * undici. Each sends the same send-to-group commands (concurrency 16) to groups with real
 * ws clients in them, and prints calls/s and the notifier process's CPU per
 * call (process.cpuUsage over the run; the service runs in its own process,
 * so only the client side is counted), with the load average beside them.
 * Asserts nothing about speed.
 *
 *   npx nx run @parley/notifier:bench-rest        (BENCH_CALLS=3000 to change the load)
 */
import { loadavg } from 'node:os';
import { roomGroup, type NotifierCommand } from '@parley/contracts';
import { createLogger } from '@parley/service-kit';
import { startSignalR } from '@parley/testkit';
import { Registry } from 'prom-client';
import { loadConfig } from '../src/config.js';
import { serviceRest } from '@parley/websocket-rest';
import { createNotifierMetrics } from '../src/metrics.js';
import { createRestClient } from '../src/rest-client.js';
import { openChatSocket, startHelloUpstream, type ChatSocket } from '../src/testing/ws-clients.js';

const CALLS = Number(process.env.BENCH_CALLS ?? 2_000);
const WARMUP = 200;
const CONCURRENCY = 16;
const GROUPS = 8;
const hub = 'chat';
const logger = createLogger('notifier-bench', 'warn');

interface Variant {
  readonly name: string;
  readonly env: Record<string, string>;
}

async function run(variant: Variant, groups: readonly string[], label: string): Promise<{ perSecond: number; cpuMicros: number }> {
  const config = loadConfig({ SERVICEBUS_CONNECTION_STRING: 'Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=x;SharedAccessKey=x;UseDevelopmentEmulator=true;', ...variant.env });
  const { transport, toRequest } = serviceRest(config.service, { connections: config.httpConnections, connectTimeoutMs: config.requestTimeoutMs });
  const rest = createRestClient({ transport, requestTimeoutMs: 10_000, retry: config.retry, metrics: createNotifierMetrics(new Registry()) });
  const command = (i: number): NotifierCommand => ({
    action: 'sendToGroup',
    hub,
    group: groups[i % groups.length]!,
    frame: { type: 'message', id: `${label}-${i}`, clientId: `c${i}`, from: 'bench', text: `${label} ${i}`, at: new Date().toISOString() },
  });
  const drive = async (count: number, offset: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < count) {
          const i = offset + next++;
          await rest.call(toRequest(command(i)), logger);
        }
      }),
    );
  };
  await drive(WARMUP, 0);
  const cpu = process.cpuUsage();
  const started = performance.now();
  await drive(CALLS, WARMUP);
  const seconds = (performance.now() - started) / 1_000;
  const used = process.cpuUsage(cpu);
  await rest.close();
  return { perSecond: CALLS / seconds, cpuMicros: (used.user + used.system) / CALLS };
}

async function main(): Promise<void> {
  const key = 'parley-dev-primary-key-0123456789abcdef';
  const upstream = await startHelloUpstream(key);
  const service = await startSignalR({ upstreamUrl: upstream.url });
  const sockets: ChatSocket[] = [];
  const groups = Array.from({ length: GROUPS }, (_, i) => roomGroup(`bench-${i}`));
  try {
    for (const group of groups) {
      for (let c = 0; c < 2; c++) {
        const socket = await openChatSocket(service.baseUrl, hub, `${group}-u${c}`);
        sockets.push(socket);
        const response = await fetch(`${service.baseUrl}/api/hubs/${hub}/groups/${encodeURIComponent(group)}/connections/${socket.connectionId}`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${await restToken(key, `${service.baseUrl}/api/hubs/${hub}/groups/${encodeURIComponent(group)}/connections/${socket.connectionId}`)}` },
        });
        if (!response.ok) throw new Error(`joining ${group} answered ${response.status}`);
      }
    }
    const variants: Variant[] = [
      { name: 'seed dialect', env: { SIGNALR_CONNECTION_STRING: service.connectionString } },
      { name: 'Web PubSub', env: { WEBSOCKET_SERVICE: 'webpubsub', WEBPUBSUB_CONNECTION_STRING: service.webPubSubConnectionString } },
    ];
    console.log(`notifier REST dialects: ${CALLS} send-to-group calls each (after ${WARMUP} warm-up), concurrency ${CONCURRENCY}, ${GROUPS} groups × 2 ws clients`);
    const results: Record<string, { perSecond: number; cpuMicros: number }> = {};
    for (const variant of variants) {
      const before = loadavg()[0]!.toFixed(2);
      results[variant.name] = await run(variant, groups, variant.name.replace(/\W+/g, ''));
      const r = results[variant.name]!;
      console.log(`${variant.name.padEnd(32)} ${Math.round(r.perSecond).toString().padStart(6)} calls/s   CPU ${r.cpuMicros.toFixed(0).padStart(5)} µs/call   (load average ${before} → ${loadavg()[0]!.toFixed(2)})`);
    }
  } finally {
    await Promise.allSettled(sockets.map((s) => s.close()));
    await service.stop();
    await upstream.close();
  }
}

/** A REST token for one call (HS256, aud = URL), as the seed REST API takes it; only for the bench's group set-up. */
async function restToken(key: string, audience: string): Promise<string> {
  const { SignJWT } = await import('jose');
  return new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setAudience(audience).setExpirationTime('5m').sign(new TextEncoder().encode(key));
}

await main();
