/**
 * Benchmark of the notifier: REST calls/s and latency percentiles of
 * send-to-group against the local SignalR emulator, with ws clients in every
 * group, holding 1 and then 32 partition sessions. Prints figures; asserts
 * nothing about speed.
 *
 * Commands are queued first, then the notifier drains them, so the figure is
 * what one instance sustains. Each REST call's latency (request created →
 * response headers) is read from undici's diagnostics channels, exactly and
 * without touching the service's code. A last run sends single commands at
 * quiet time and measures broker → ws client latency.
 *
 *   npx nx run @parley/notifier:bench        (BENCH_COMMANDS=4000 to change the load)
 */
import { subscribe } from 'node:diagnostics_channel';
import type { ServiceBusClient, ServiceBusMessage } from '@azure/service-bus';
import { BusEntities, notifierSessionId, roomGroup, type NotifierCommand } from '@parley/contracts';
import { createBusClient, createLogger } from '@parley/service-kit';
import { startServiceBus, startSignalR } from '@parley/testkit';
import { Registry } from 'prom-client';
import { loadConfig } from '../src/config.js';
import { buildNotifier } from '../src/service.js';
import { commandMessage, nextCausationId } from '../src/testing/bus.js';
import { openChatSocket, startHelloUpstream, type ChatSocket } from '../src/testing/ws-clients.js';

const GROUPS = 32;
const CLIENTS_PER_GROUP = 2;
const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 3_000);
const QUIET_COMMANDS = 100;
const hub = 'chat';

/** Group names whose commands land in distinct partition sessions, so 32 sessions can really run at once. */
function spreadGroups(count: number): string[] {
  const seen = new Set<string>();
  const groups: string[] = [];
  for (let i = 0; groups.length < count; i++) {
    const group = roomGroup(`bench-${i}`);
    const session = notifierSessionId({ action: 'sendToGroup', hub, group, frame: { type: 'presence', user: 'x', online: true } }, 64);
    if (seen.has(session)) continue;
    seen.add(session);
    groups.push(group);
  }
  return groups;
}

/** Exact per-call latency of the REST calls to `origin`, from undici's diagnostics channels. */
function restTimings(origin: string) {
  const started = new WeakMap<object, number>();
  const latencies: number[] = [];
  let first = 0;
  let last = 0;
  subscribe('undici:request:create', (message) => {
    const { request } = message as { request: { origin: string } };
    if (request.origin !== origin) return;
    const now = performance.now();
    if (first === 0) first = now;
    started.set(request, now);
  });
  subscribe('undici:request:headers', (message) => {
    const { request } = message as { request: object };
    const at = started.get(request);
    if (at === undefined) return;
    last = performance.now();
    latencies.push(last - at);
  });
  return {
    reset() {
      latencies.length = 0;
      first = 0;
      last = 0;
    },
    figures() {
      const sorted = [...latencies].sort((a, b) => a - b);
      const pick = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
      const seconds = (last - first) / 1_000;
      return { calls: sorted.length, seconds, perSecond: sorted.length / seconds, p50: pick(50), p99: pick(99), max: sorted.at(-1) ?? 0 };
    },
  };
}

async function enqueue(bus: ServiceBusClient, groups: readonly string[], count: number, run: string): Promise<void> {
  const sender = bus.createSender(BusEntities.notificationsQueue);
  const causationId = nextCausationId();
  let batch = await sender.createMessageBatch();
  for (let i = 0; i < count; i++) {
    const group = groups[i % groups.length]!;
    const command: NotifierCommand = {
      action: 'sendToGroup',
      hub,
      group,
      frame: { type: 'message', id: `${run}-${i}`, clientId: `c${i}`, from: 'bench', room: group, text: `${run} ${i}`, at: new Date().toISOString() },
    };
    const message: ServiceBusMessage = commandMessage(command, `${causationId}-${Math.floor(i / 1000)}`, i % 1000);
    if (!batch.tryAddMessage(message)) {
      await sender.sendMessages(batch);
      batch = await sender.createMessageBatch();
      if (!batch.tryAddMessage(message)) throw new Error('a command does not fit an empty batch');
    }
  }
  if (batch.count > 0) await sender.sendMessages(batch);
  await sender.close();
}

async function main(): Promise<void> {
  console.log(`notifier bench: send-to-group, ${GROUPS} groups × ${CLIENTS_PER_GROUP} ws clients, ${COMMANDS} commands per run`);
  const servicebus = await startServiceBus();
  const key = 'parley-dev-primary-key-0123456789abcdef';
  const upstream = await startHelloUpstream(key);
  const signalr = await startSignalR({ upstreamUrl: upstream.url });
  const bus = createBusClient({ kind: 'connectionString', connectionString: servicebus.connectionString });
  const groups = spreadGroups(GROUPS);
  const sockets: ChatSocket[] = [];
  const timings = restTimings(signalr.baseUrl);
  try {
    for (const group of groups) {
      for (let c = 0; c < CLIENTS_PER_GROUP; c++) sockets.push(await openChatSocket(signalr.baseUrl, hub, `${group}-u${c}`));
    }
    // Membership goes through the REST API directly: the bench measures sends, not joins.
    const setup = buildNotifier({ bus, logger: createLogger('notifier', 'warn'), registry: new Registry() }, configFor(signalr.connectionString, servicebus.connectionString, 8));
    await setupMembership(bus, groups, sockets);
    setup.start();
    await waitUntil(() => sockets.every((s) => s.frames.some((f) => f.type === 'presence')), 'memberships');
    await setup.stop();

    // One session: every send targets one group, so one partition, handled strictly in order.
    // 32 sessions: the sends spread over 32 groups in 32 partitions, handled in parallel.
    for (const [sessions, targets] of [[1, groups.slice(0, 1)], [32, groups]] as const) {
      const run = `s${sessions}`;
      await enqueue(bus, targets, COMMANDS, run);
      for (const s of sockets) s.frames.length = 0;
      timings.reset();
      const notifier = buildNotifier({ bus, logger: createLogger('notifier', 'warn'), registry: new Registry() }, configFor(signalr.connectionString, servicebus.connectionString, sessions));
      notifier.start();
      const expected = COMMANDS * CLIENTS_PER_GROUP;
      await waitUntil(() => sockets.reduce((n, s) => n + s.frames.length, 0) >= expected, `${run} deliveries`, 300_000);
      await notifier.stop();
      const f = timings.figures();
      console.log(
        `${String(sessions).padStart(2)} session(s), ${String(targets.length).padStart(2)} group(s): ${f.calls} REST calls for ${COMMANDS} commands in ${f.seconds.toFixed(2)} s = ${Math.round(f.perSecond)} calls/s, ${Math.round(COMMANDS / f.seconds)} commands/s` +
          `   latency p50 ${f.p50.toFixed(2)} ms  p99 ${f.p99.toFixed(2)} ms  max ${f.max.toFixed(2)} ms   (${expected} ws deliveries)`,
      );
    }

    // Quiet time: one command at a time, each to the next group (another partition); the time from
    // handing it to the broker to its frame reaching a ws client of the group.
    const quiet = buildNotifier({ bus, logger: createLogger('notifier', 'warn'), registry: new Registry() }, configFor(signalr.connectionString, servicebus.connectionString, 16));
    quiet.start();
    const sender = bus.createSender(BusEntities.notificationsQueue);
    const causationId = nextCausationId();
    const latencies: number[] = [];
    for (let i = 0; i < QUIET_COMMANDS; i++) {
      const g = i % groups.length;
      const text = `quiet ${i}`;
      const started = performance.now();
      const frame = { type: 'message' as const, id: `q-${i}`, clientId: `q${i}`, from: 'bench', text, at: new Date().toISOString() };
      await sender.sendMessages(commandMessage({ action: 'sendToGroup', hub, group: groups[g]!, frame }, causationId, i));
      const socket = sockets[g * CLIENTS_PER_GROUP]!;
      await waitUntil(() => socket.frames.some((f) => f.text === text), text, 30_000);
      latencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await sender.close();
    await quiet.stop();
    const sorted = latencies.sort((a, b) => a - b);
    const pick = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
    console.log(`quiet time, 16 sessions: ${QUIET_COMMANDS} single commands, broker → ws client p50 ${pick(50).toFixed(1)} ms  p99 ${pick(99).toFixed(1)} ms  max ${sorted.at(-1)?.toFixed(1)} ms`);
  } finally {
    await Promise.allSettled(sockets.map((s) => s.close()));
    await bus.close();
    await signalr.stop();
    await upstream.close();
    await servicebus.stop();
  }
}

function configFor(signalrConnection: string, busConnection: string, sessions: number) {
  return loadConfig({ SIGNALR_CONNECTION_STRING: signalrConnection, SERVICEBUS_CONNECTION_STRING: busConnection, MAX_CONCURRENT_SESSIONS: String(sessions) });
}

/** Puts each pair of sockets in its group, then greets each socket once so the bench knows the joins are done. */
async function setupMembership(bus: ServiceBusClient, groups: string[], sockets: ChatSocket[]): Promise<void> {
  const sender = bus.createSender(BusEntities.notificationsQueue);
  const causationId = nextCausationId();
  let index = 0;
  for (const [g, group] of groups.entries()) {
    for (const socket of sockets.slice(g * CLIENTS_PER_GROUP, (g + 1) * CLIENTS_PER_GROUP)) {
      await sender.sendMessages(commandMessage({ action: 'addConnectionToGroup', hub, group, connectionId: socket.connectionId }, causationId, index++));
    }
    await sender.sendMessages(commandMessage({ action: 'sendToGroup', hub, group, frame: { type: 'presence', user: 'bench', online: true } }, causationId, index++));
  }
  await sender.close();
}

async function waitUntil(done: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`bench timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

await main();
