/**
 * Benchmark: signed `message` events POSTed at the gateway with the
 * real local bus, and the same load at a bare fastify route, in one run.
 * Prints figures; asserts nothing. Env: BENCH_SECONDS (per phase, default 8),
 * BENCH_CONCURRENCY (default 64), BENCH_RATE (default 2000), BENCH_CONNECTIONS (default 512),
 * BENCH_BATCH_MODE (the gateway's BUS_BATCH_MODE, default mixed).
 */
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { signatureHeader } from '@parley/contracts';
import { binPath, pinoReady, startProcess, startServiceBus, type RunningProcess } from '@parley/testkit';
import { closedLoop, fixedRate, type Check, type RequestFactory, type Summary } from './load.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 64);
const rate = Number(process.env.BENCH_RATE ?? 2000);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 512);
const batchMode = process.env.BENCH_BATCH_MODE ?? 'mixed';
const KEY = 'parley-dev-primary-key-0123456789abcdef';

// Many connections (and users) so the events spread over the partitions as real traffic does.
const signed = Array.from({ length: connections }, (_, c) => {
  const connectionId = `bench-conn-${c}`;
  return {
    'content-type': 'text/plain',
    'x-asrs-hub': 'chat',
    'x-asrs-category': 'messages',
    'x-asrs-event': 'message',
    'x-asrs-connection-id': connectionId,
    'x-asrs-user-id': `bench-user-${c}`,
    'x-asrs-signature': signatureHeader(connectionId, [KEY]),
  };
});
const makeRequest: RequestFactory = (i) => ({
  method: 'POST',
  path: '/api/messages?event=message',
  headers: signed[i % connections]!,
  body: `{"type":"send","id":"b${i}","text":"hello from the benchmark"}`,
});
const acked: Check = (status, body) => status === 200 && body.includes('"ok":true');

const ms = (value: number) => `${value.toFixed(2)} ms`;
function line(label: string, summary: Summary): string {
  return `${label.padEnd(34)} ${summary.rps.toFixed(0).padStart(7)} req/s  p50 ${ms(summary.p50).padStart(9)}  p99 ${ms(summary.p99).padStart(9)}  max ${ms(summary.max).padStart(9)}  errors ${summary.errors}/${summary.requests}`;
}

async function origin(proc: RunningProcess): Promise<string> {
  return `http://127.0.0.1:${Number(proc.readyInfo.port)}`;
}

async function measure(name: string, target: string) {
  await closedLoop(target, makeRequest, acked, Math.min(2, seconds), concurrency); // warm-up (JIT, bus links, pools)
  // Fixed rate first: nothing consumes chat-events here, and the broker's backlog grows with every phase.
  const fixed = await fixedRate(target, makeRequest, acked, seconds, rate);
  const max = await closedLoop(target, makeRequest, acked, seconds, concurrency);
  console.log(line(`${name} (fixed ${rate} req/s)`, fixed));
  console.log(line(`${name} (closed loop, ${concurrency} conns)`, max));
  return { max, fixed };
}

async function batchStats(target: string): Promise<string> {
  const text = await (await request(`${target}/metrics`)).body.text();
  const value = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} ([0-9.e+]+)$`, 'm').exec(text)?.[1] ?? NaN);
  const count = value('parley_gateway_bus_batch_messages_count');
  const sum = value('parley_gateway_bus_batch_messages_sum');
  return `${count} batches, ${(sum / count).toFixed(1)} messages per batch on average`;
}

const bus = await startServiceBus();
const processes: RunningProcess[] = [];
try {
  const gateway = await startProcess({
    name: 'gateway',
    command: binPath('parley-gateway'),
    args: [],
    env: {
      PORT: '0',
      OPS_PORT: '0',
      LOG_LEVEL: 'warn',
      BUS_BATCH_MODE: batchMode,
      SERVICEBUS_CONNECTION_STRING: bus.connectionString,
      SIGNALR_CONNECTION_STRING: `Endpoint=http://127.0.0.1;Port=8888;AccessKey=${KEY};Version=1.0;`,
      TOKEN_SIGNING_KEY: 'bench-signing-key-0123456789abcdef-0123',
      AUTH_MODE: 'development',
      // The benchmark measures throughput, not the per-user limit.
      RATE_LIMIT_PER_SECOND: '100000',
      RATE_LIMIT_BURST: '100000',
    },
    ready: pinoReady,
  });
  processes.push(gateway);
  const bare = await startProcess({ name: 'bare', command: binPath('tsx'), args: [fileURLToPath(new URL('./bare-server.ts', import.meta.url))], ready: pinoReady });
  processes.push(bare);

  console.log(`gateway benchmark: ${seconds} s per phase, ${connections} connections simulated, BUS_BATCH_MODE=${batchMode}, local Service Bus emulator`);
  const gw = await measure('gateway + bus', await origin(gateway));
  const baseline = await measure('bare fastify route', await origin(bare));
  console.log('');
  console.log(`ratio gateway/bare (closed loop):  ${((gw.max.rps / baseline.max.rps) * 100).toFixed(1)} %  (aim ≥ 30 %)`);
  console.log(`gateway p99 at ${rate} req/s:         ${ms(gw.fixed.p99)}  (aim < 20 ms)`);
  console.log(`bus batching:                      ${await batchStats(`http://127.0.0.1:${Number(gateway.readyInfo.opsPort)}`)}`);
} finally {
  for (const proc of processes.reverse()) await proc.stop();
  await bus.stop();
}
