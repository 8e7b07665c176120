/**
 * Throughput benchmark (prints figures; asserts nothing about speed).
 * The broker runs as a child process (the bin) so that it and the SDK client
 * each get a core. For 1 KB messages, in memory and with --data-dir:
 * send throughput and p50/p99 send latency with 1 and 16 concurrent senders,
 * then receive+complete throughput with as many receivers.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServiceBusClient, type ServiceBusReceiver } from '@azure/service-bus';
import { startChildBroker } from '../src/testing/child-broker.js';
import { configJson } from '../src/testing/harness.js';
import { rawThroughput } from './raw-client.js';

const body = Buffer.alloc(1024, 'x');
const counts: Record<number, number> = { 1: Number(process.env.BENCH_N1 ?? 2000), 16: Number(process.env.BENCH_N16 ?? 8000) };

/** CPU seconds used so far by a process (Linux /proc), to show which side is busy. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

function clientCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function sendPhase(client: ServiceBusClient, queue: string, concurrency: number, total: number) {
  const latencies: number[] = [];
  const perSender = Math.ceil(total / concurrency);
  const senders = Array.from({ length: concurrency }, () => client.createSender(queue));
  await Promise.all(senders.map((s) => s.sendMessages({ body: 'warm-up' })));
  const started = performance.now();
  await Promise.all(
    senders.map(async (s) => {
      for (let i = 0; i < perSender; i++) {
        const t = performance.now();
        await s.sendMessages({ body });
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(senders.map((s) => s.close()));
  latencies.sort((a, b) => a - b);
  return { rate: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), sent: latencies.length + concurrency };
}

async function receivePhase(client: ServiceBusClient, queue: string, concurrency: number, expected: number) {
  const receivers: ServiceBusReceiver[] = Array.from({ length: concurrency }, () => client.createReceiver(queue));
  let done = 0;
  const started = performance.now();
  await Promise.all(
    receivers.map(async (r) => {
      let idle = 0;
      while (done < expected && idle < 3) {
        const batch = await r.receiveMessages(100, { maxWaitTimeInMs: 500 });
        if (batch.length === 0) {
          idle++;
          continue;
        }
        idle = 0;
        await Promise.all(batch.map((m) => r.completeMessage(m)));
        done += batch.length;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(receivers.map((r) => r.close()));
  return { rate: done / seconds, received: done };
}

async function run(mode: 'memory' | 'data-dir'): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'sbemu-bench-'));
  const config = join(dir, 'Config.json');
  writeFileSync(config, JSON.stringify(configJson({ queues: { bench: { LockDuration: 'PT1M', MaxDeliveryCount: 10 } } })));
  const args = ['--config', config, '--port', '0', ...(mode === 'data-dir' ? ['--data-dir', join(dir, 'data')] : [])];
  const broker = await startChildBroker(args, { LOG_LEVEL: 'warn' });
  const client = new ServiceBusClient(broker.connectionString);
  try {
    for (const concurrency of [1, 16]) {
      const total = counts[concurrency] ?? 1000;
      const b0 = cpuSeconds(broker.child.pid);
      const c0 = clientCpuSeconds();
      const t0 = performance.now();
      const send = await sendPhase(client, 'bench', concurrency, total);
      const receive = await receivePhase(client, 'bench', concurrency, send.sent);
      const wall = (performance.now() - t0) / 1000;
      const cpu = `cpu broker ${((cpuSeconds(broker.child.pid) - b0) / wall * 100).toFixed(0)}% client ${((clientCpuSeconds() - c0) / wall * 100).toFixed(0)}%`;
      console.log(
        `${mode.padEnd(8)} | ${String(concurrency).padStart(2)} concurrent | send ${send.rate.toFixed(0).padStart(6)} msg/s` +
          ` p50 ${send.p50.toFixed(2)} ms p99 ${send.p99.toFixed(2)} ms | receive+complete ${receive.rate.toFixed(0).padStart(6)} msg/s` +
          ` (${receive.received}/${send.sent}) | ${cpu}`,
      );
    }
    const raw = await rawThroughput(broker.port, 'bench', Number(process.env.BENCH_RAW ?? 20000));
    console.log(
      `${mode.padEnd(8)} | raw AMQP pipelined client (500 in flight) | send ${raw.send.toFixed(0).padStart(6)} msg/s | receive+complete ${raw.receive.toFixed(0).padStart(6)} msg/s`,
    );
  } finally {
    await client.close();
    broker.child.kill('SIGTERM');
    await broker.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log('1 KB messages; sendMessages() one message per call; receiveMessages(100) + completeMessage each');
await run('memory');
await run('data-dir');
