/**
 * Benchmark of the WebSocket-service emulator. Prints figures; asserts nothing
 * about speed. The emulator runs as its own process (the real bin); clients,
 * REST caller and a trivial upstream share this one.
 *   1. REST broadcast of 1 KB frames to 1,000 and 10,000 connections
 *   2. send-to-group, groups of 10
 *   3. echo through a trivial upstream
 *   4. memory per idle connection (RSS of the emulator process)
 *   5. the broadcast to 1,000 and the echo again through the Web PubSub face
 *      (simple clients on /client, REST on /api/hubs/{hub}/:send, user events
 *      to a CloudEvents handler) in the same run, with ratios to the seed face
 */
import { cpus, loadavg } from 'node:os';
import type { WebSocket } from 'ws';
import { closeClients, frame, openClients, percentile, RestClient, seqOf, startEmulator, startUpstream, type Face, type OnFrame } from './harness.js';

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const results: Record<string, unknown> = {};
/** CPU meters of the phase being measured: the emulator process and this (client) process. */
let cpu = { emulator: () => 0, startEmulator: 0, startClient: 0 };
let emulatorCpu: () => number = () => 0;
/**
 * SIGNALR_BENCH_PHASES=memory,broadcast,groups,echo,webpubsub (the default: all) runs a subset;
 * `webpubsub` repeats memory, the broadcast to 1,000 and echo (those asked for) through the Web PubSub face.
 */
const phases = new Set((process.env.SIGNALR_BENCH_PHASES ?? 'memory,broadcast,groups,echo,webpubsub').split(','));

function startCpu(emulatorCpuMs: () => number): void {
  const usage = process.cpuUsage();
  cpu = { emulator: emulatorCpuMs, startEmulator: emulatorCpuMs(), startClient: (usage.user + usage.system) / 1000 };
}

/** Counts deliveries of the running phase and wakes whoever waits for a number of them. */
class Sink {
  delivered = 0;
  latencies = new Float64Array(0);
  sentAt = new Float64Array(0);
  lastAt = 0;
  private waiters: { target: number; resolve: () => void }[] = [];
  private lowest = Infinity;

  reset(expected: number, sends: number): void {
    this.delivered = 0;
    this.latencies = new Float64Array(expected);
    this.sentAt = new Float64Array(sends);
    this.waiters = [];
    this.lowest = Infinity;
  }

  readonly onFrame: OnFrame = (data, at) => {
    const latency = at - (this.sentAt[seqOf(data)] ?? at);
    if (this.delivered < this.latencies.length) this.latencies[this.delivered] = latency;
    this.delivered++;
    this.lastAt = at;
    if (this.delivered >= this.lowest) {
      const due = this.waiters.filter((w) => w.target <= this.delivered);
      this.waiters = this.waiters.filter((w) => w.target > this.delivered);
      this.lowest = Math.min(...this.waiters.map((w) => w.target));
      for (const w of due) w.resolve();
    }
  };

  until(target: number): Promise<void> {
    if (this.delivered >= target) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiters.push({ target, resolve });
      this.lowest = Math.min(this.lowest, target);
    });
  }
}

function report(name: string, deliveries: number, startedAt: number, sink: Sink, extra: Record<string, number> = {}): void {
  const seconds = (sink.lastAt - startedAt) / 1000;
  const usage = process.cpuUsage();
  const emulatorCpuUs = ((cpu.emulator() - cpu.startEmulator) * 1000) / deliveries;
  const clientCpuUs = (((usage.user + usage.system) / 1000 - cpu.startClient) * 1000) / deliveries;
  const figures = {
    deliveries,
    seconds: Number(seconds.toFixed(2)),
    perSecond: Math.round(deliveries / seconds),
    p50Ms: Number(percentile(sink.latencies, 50).toFixed(1)),
    p99Ms: Number(percentile(sink.latencies, 99).toFixed(1)),
    emulatorCpuUsPerDelivery: Number(emulatorCpuUs.toFixed(2)),
    clientCpuUsPerDelivery: Number(clientCpuUs.toFixed(2)),
    ...extra,
  };
  results[name] = figures;
  console.log(
    `${name.padEnd(28)} ${fmt(deliveries).padStart(9)} deliveries in ${fmt(seconds, 2)} s = ${fmt(figures.perSecond).padStart(9)}/s   ` +
      `latency p50 ${fmt(figures.p50Ms, 1)} ms, p99 ${fmt(figures.p99Ms, 1)} ms   ` +
      `CPU per delivery: emulator ${fmt(emulatorCpuUs, 1)} µs, clients ${fmt(clientCpuUs, 1)} µs` +
      Object.entries(extra).map(([k, v]) => `   ${k} ${fmt(v)}`).join(''),
  );
}

/**
 * Broadcasts `count` frames from `concurrency` concurrent REST callers (as
 * several notifier instances would), keeping at most `window` broadcasts not
 * yet fully delivered so that latency measures delivery, not a queue.
 */
async function broadcast(rest: RestClient, sink: Sink, hub: string, connections: number, count: number, face: Face = 'seed', concurrency = 4, window = 4): Promise<void> {
  sink.reset(connections * count, count);
  const path = face === 'seed' ? `/ws/api/v1/hubs/${hub}` : `/api/hubs/${hub}/:send`;
  const started = performance.now();
  startCpu(emulatorCpu);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const seq = next++;
        await sink.until((seq - window + 1) * connections);
        sink.sentAt[seq] = performance.now();
        const status = await rest.call('POST', path, frame(seq));
        if (status !== 202) throw new Error(`broadcast answered ${status}`);
      }
    }),
  );
  await sink.until(connections * count);
  report(`${face === 'seed' ? '' : 'webpubsub '}broadcast to ${fmt(connections)}`, connections * count, started, sink);
}

async function groups(rest: RestClient, sink: Sink, hub: string, prefix: string, members: number, sends: number, window = 64): Promise<void> {
  const groupCount = members / 10;
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < members) {
        const i = next++;
        await rest.call('PUT', `/ws/api/v1/hubs/${hub}/groups/g${Math.floor(i / 10)}/users/${prefix}${i}`);
      }
    }),
  );
  sink.reset(sends * 10, sends);
  const started = performance.now();
  startCpu(emulatorCpu);
  let seq = 0;
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (seq < sends) {
        const mine = seq++;
        sink.sentAt[mine] = performance.now();
        const status = await rest.call('POST', `/ws/api/v1/hubs/${hub}/groups/g${mine % groupCount}`, frame(mine));
        if (status !== 202) throw new Error(`group send answered ${status}`);
      }
    }),
  );
  await sink.until(sends * 10);
  report('send to groups of 10', sends * 10, started, sink, { restCallsPerSecond: Math.round(sends / ((sink.lastAt - started) / 1000)) });
}

async function echo(port: number, clientsCount: number, frames: number, face: Face = 'seed'): Promise<void> {
  const sink = new Sink();
  sink.reset(frames, frames);
  let seq = 0;
  const clients: WebSocket[] = [];
  const sendNext = (i: number): void => {
    if (seq >= frames) return;
    const mine = seq++;
    sink.sentAt[mine] = performance.now();
    clients[i]?.send(frame(mine, 256), { binary: false });
  };
  const opened = await openClients(
    port,
    `echo-${face}`,
    'e',
    clientsCount,
    (data, at, i) => {
      sink.onFrame(data, at, i);
      sendNext(i);
    },
    100,
    face,
  );
  clients.push(...opened);
  const started = performance.now();
  startCpu(emulatorCpu);
  for (let i = 0; i < clientsCount; i++) sendNext(i);
  await sink.until(frames);
  report(`${face === 'seed' ? '' : 'webpubsub '}echo (${clientsCount} clients)`, frames, started, sink);
  await closeClients(clients);
}

async function memory(upstreamUrl: string, connections: number, face: Face = 'seed'): Promise<void> {
  const emulator = await startEmulator(upstreamUrl);
  await new Promise((r) => setTimeout(r, 1_000));
  const before = emulator.rssBytes();
  const started = performance.now();
  const clients = await openClients(emulator.port, 'idle', 'i', connections, () => undefined, 100, face);
  const connectSeconds = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 3_000));
  const after = emulator.rssBytes();
  const perConnection = (after - before) / connections;
  results[face === 'seed' ? 'memory' : 'webpubsub memory'] = { connections, rssBeforeMiB: Math.round(before / 2 ** 20), rssAfterMiB: Math.round(after / 2 ** 20), bytesPerIdleConnection: Math.round(perConnection), connectsPerSecond: Math.round(connections / connectSeconds) };
  console.log(
    `${`${face === 'seed' ? '' : 'webpubsub '}memory per idle connection`.padEnd(28)} ${fmt(perConnection / 1024, 1)} KB (RSS ${fmt(before / 2 ** 20)} → ${fmt(after / 2 ** 20)} MiB for ${fmt(connections)} connections; ` +
      `${fmt(connections / connectSeconds)} handshakes/s ${face === 'seed' ? 'incl. the connect upstream call' : 'with a token check, no connect handler'})`,
  );
  await closeClients(clients);
  await emulator.stop();
}

/** Web PubSub face against the seed face, from the same run: throughput and emulator CPU per delivery. */
function ratios(): void {
  const pairs = [
    ['broadcast to 1,000', 'webpubsub broadcast to 1,000'],
    ['echo (100 clients)', 'webpubsub echo (100 clients)'],
  ] as const;
  const out: Record<string, { throughput?: number; cpuPerDelivery?: number; bytesPerIdleConnection?: number }> = {};
  const mem = [results.memory, results['webpubsub memory']] as ({ bytesPerIdleConnection: number } | undefined)[];
  if (mem[0] && mem[1]) {
    out.memory = { bytesPerIdleConnection: Number((mem[1].bytesPerIdleConnection / mem[0].bytesPerIdleConnection).toFixed(2)) };
    console.log(`${'ratio webpubsub/seed, memory per idle connection'.padEnd(44)} ${fmt(out.memory.bytesPerIdleConnection ?? 0, 2)}`);
  }
  for (const [seed, wps] of pairs) {
    const a = results[seed] as { perSecond: number; emulatorCpuUsPerDelivery: number } | undefined;
    const b = results[wps] as { perSecond: number; emulatorCpuUsPerDelivery: number } | undefined;
    if (!a || !b) continue;
    const ratio = { throughput: Number((b.perSecond / a.perSecond).toFixed(2)), cpuPerDelivery: Number((b.emulatorCpuUsPerDelivery / a.emulatorCpuUsPerDelivery).toFixed(2)) };
    out[seed] = ratio;
    console.log(`${`ratio webpubsub/seed, ${seed}`.padEnd(44)} throughput ${fmt(ratio.throughput, 2)}   emulator CPU per delivery ${fmt(ratio.cpuPerDelivery, 2)}`);
  }
  results.webPubSubVsSeed = out;
}

async function main(): Promise<void> {
  const upstream = await startUpstream();
  const load = loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`SignalR emulator benchmark — node ${process.version}, ${cpus().length} cores, load average ${load}; 1 KB text frames unless noted`);
  console.log('CPU per delivery is the steadier figure on a shared machine: 1,000,000 / µs = deliveries per second per core.\n');
  results.loadAverage = load;
  if (phases.has('memory')) await memory(upstream.url, 10_000);
  if (phases.has('memory') && phases.has('webpubsub')) await memory(upstream.url, 10_000, 'webpubsub');

  const emulator = await startEmulator(upstream.url);
  emulatorCpu = () => emulator.cpuMs();
  const rest = new RestClient(emulator.port);
  const sink = new Sink();
  if (phases.has('broadcast') || phases.has('groups')) {
    const first = await openClients(emulator.port, 'fan', 'f', 1_000, sink.onFrame);
    if (phases.has('broadcast')) await broadcast(rest, sink, 'fan', 1_000, 200);
    if (phases.has('groups')) await groups(rest, sink, 'fan', 'f', 1_000, 10_000);
    const more = phases.has('broadcast') ? await openClients(emulator.port, 'fan', 'g', 9_000, sink.onFrame) : [];
    if (phases.has('broadcast')) await broadcast(rest, sink, 'fan', 10_000, 30);
    await closeClients([...first, ...more]);
  }
  if (phases.has('echo')) await echo(emulator.port, 100, 30_000);
  // The Web PubSub face repeats the phases that were asked for, in this same run.
  if (phases.has('webpubsub') && phases.has('broadcast')) {
    const wps = await openClients(emulator.port, 'fan-wps', 'w', 1_000, sink.onFrame, 100, 'webpubsub');
    await broadcast(rest, sink, 'fan-wps', 1_000, 200, 'webpubsub');
    await closeClients(wps);
  }
  if (phases.has('webpubsub') && phases.has('echo')) await echo(emulator.port, 100, 30_000, 'webpubsub');
  if (phases.has('webpubsub')) ratios();

  console.log(`\n${JSON.stringify({ bench: 'signalr-emulator', results })}`);
  await rest.close();
  await emulator.stop();
  upstream.server.close();
  upstream.server.closeAllConnections();
}

await main();
