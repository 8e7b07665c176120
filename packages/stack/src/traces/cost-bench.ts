/**
 * What tracing costs the gateway: the same signed `message` upstream calls
 * with tracing off (no OTLP endpoint: nothing registered) and on (every call traced
 * and exported as OTLP/HTTP JSON to the local receiver), alternated, measured as the
 * gateway process's CPU time per message (process_cpu_seconds_total on its ops port),
 * which a busy machine disturbs less than throughput. Prints figures with the load
 * average; asserts nothing. Env: COST_MESSAGES (per phase, default 3000),
 * COST_CONCURRENCY (default 32), COST_ROUNDS (default 2).
 *   npx tsx packages/stack/src/traces/cost-bench.ts
 */
import { loadavg } from 'node:os';
import { signatureHeader } from '@parley/contracts';
import { binPath, pinoReady, startProcess, startServiceBus } from '@parley/testkit';
import { startTraceReceiver } from './receiver.js';

const messages = Number(process.env.COST_MESSAGES ?? 3000);
const concurrency = Number(process.env.COST_CONCURRENCY ?? 32);
const rounds = Number(process.env.COST_ROUNDS ?? 2);
const KEY = 'parley-dev-primary-key-0123456789abcdef';
const CONNECTIONS = 256;
const headers = Array.from({ length: CONNECTIONS }, (_, c) => ({
  'content-type': 'text/plain',
  'x-asrs-hub': 'chat',
  'x-asrs-category': 'messages',
  'x-asrs-event': 'message',
  'x-asrs-connection-id': `cost-conn-${c}`,
  'x-asrs-user-id': `cost-user-${c}`,
  'x-asrs-signature': signatureHeader(`cost-conn-${c}`, [KEY]),
}));

async function cpuSeconds(opsUrl: string): Promise<number> {
  const text = await (await fetch(`${opsUrl}/metrics`)).text();
  return Number(/^process_cpu_seconds_total(?:\{[^}]*\})? ([0-9.e+]+)$/m.exec(text)?.[1] ?? NaN);
}

async function load(target: string, count: number): Promise<number> {
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const response = await fetch(`${target}/api/messages?event=message`, {
        method: 'POST',
        headers: headers[i % CONNECTIONS]!,
        body: `{"type":"send","id":"c${i}","text":"what does tracing cost?"}`,
      });
      const body = await response.text();
      if (response.status !== 200 || !body.includes('"ok":true')) failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return failed;
}

const bus = await startServiceBus();
const receiver = await startTraceReceiver({ capacity: 100_000 });
const results: Record<'off' | 'on', { cpu: number; seconds: number; count: number }> = { off: { cpu: 0, seconds: 0, count: 0 }, on: { cpu: 0, seconds: 0, count: 0 } };
try {
  console.log(`tracing cost: ${messages} upstream messages per phase, ${concurrency} in flight, ${rounds} round(s) of off/on; load average before ${loadavg().map((v) => v.toFixed(2)).join(' ')}`);
  for (let round = 1; round <= rounds; round++) {
    for (const mode of ['off', 'on'] as const) {
      const gateway = await startProcess({
        name: `gateway-${mode}`,
        command: binPath('parley-gateway'),
        args: [],
        env: {
          PORT: '0',
          OPS_PORT: '0',
          LOG_LEVEL: 'warn',
          SERVICEBUS_CONNECTION_STRING: bus.connectionString,
          SIGNALR_CONNECTION_STRING: `Endpoint=http://127.0.0.1;Port=8888;AccessKey=${KEY};Version=1.0;`,
          TOKEN_SIGNING_KEY: 'bench-signing-key-0123456789abcdef-0123',
          AUTH_MODE: 'development',
          // Read only by the typing relay, which this bench never reaches.
          TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true',
          RATE_LIMIT_PER_SECOND: '100000',
          RATE_LIMIT_BURST: '100000',
          ...(mode === 'on' ? { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' } : { OTEL_EXPORTER_OTLP_ENDPOINT: '' }),
        },
        ready: pinoReady,
      });
      try {
        const target = `http://127.0.0.1:${Number(gateway.readyInfo.port)}`;
        const ops = `http://127.0.0.1:${Number(gateway.readyInfo.opsPort)}`;
        await load(target, Math.min(500, messages)); // warm-up: JIT, bus link, pools
        const tracesBefore = receiver.store.size;
        const cpuBefore = await cpuSeconds(ops);
        const started = performance.now();
        const failed = await load(target, messages);
        const seconds = (performance.now() - started) / 1000;
        const cpu = (await cpuSeconds(ops)) - cpuBefore;
        results[mode].cpu += cpu;
        results[mode].seconds += seconds;
        results[mode].count += messages;
        await new Promise((resolve) => setTimeout(resolve, 1_500)); // the last export batch
        console.log(
          `round ${round} tracing ${mode.padEnd(3)}: ${((cpu / messages) * 1e6).toFixed(0).padStart(5)} µs CPU per message, ${(messages / seconds).toFixed(0).padStart(5)} msg/s, ${failed} failed, ` +
            `${receiver.store.size - tracesBefore} traces received; load average ${loadavg()[0]!.toFixed(2)}`,
        );
      } finally {
        await gateway.stop();
      }
    }
  }
  const perMessage = (mode: 'off' | 'on') => (results[mode].cpu / results[mode].count) * 1e6;
  console.log(
    `\ngateway CPU per message: off ${perMessage('off').toFixed(0)} µs, on ${perMessage('on').toFixed(0)} µs ` +
      `(${(((perMessage('on') - perMessage('off')) / perMessage('off')) * 100).toFixed(1)} % more with every message traced and exported); load average ${loadavg().map((v) => v.toFixed(2)).join(' ')}`,
  );
} finally {
  await receiver.close();
  await bus.stop();
}
