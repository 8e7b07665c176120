import { BenchClient, benchText, openMany } from './bench-client.js';
import { Recorder, type RunFigures } from './recorder.js';
import { loadavg } from 'node:os';
import { ResourceMonitor, type ProcessUsage } from './resources.js';
import { phaseCounts, scrape, type MetricsSource, type PhaseCounts } from './service-metrics.js';

export interface ScenarioSpec {
  name: string;
  /** echo: rooms of one; groups: rooms of `roomSize`; lobby: everyone connected receives everything. */
  kind: 'echo' | 'groups' | 'lobby';
  clients: number;
  roomSize: number;
  /** Messages per second per client. */
  ratePerClient: number;
  durationSeconds: number;
  messageBytes: number;
}

export interface ScenarioResult extends RunFigures {
  name: string;
  kind: ScenarioSpec['kind'];
  clients: number;
  roomSize: number;
  offeredPerSecond: number;
  durationSeconds: number;
  processes: Record<string, ProcessUsage>;
  /** CPU milliseconds each process spent per message in (sending, delivering and draining the phase). */
  cpuMsPerMessage: Record<string, number>;
  /** Table round trips and bus operations, from the services' counters (pipeline runs only). */
  counts?: PhaseCounts;
  /** 1-minute load average at the start and the end of the phase: the machine is shared. */
  loadAverage: [number, number];
}

export interface Target {
  /** Opens client `index` for a scenario (negotiate + WebSocket, or straight at the baseline). */
  open(index: number, scenario: string): Promise<BenchClient>;
  /** Whether the target acks frames (the baseline echo does not). */
  acks: boolean;
  pids: Record<string, number>;
  /** Where the services' /metrics are read before and after each phase. */
  metrics?: MetricsSource;
}

const round2 = (value: number) => Math.round(value * 100) / 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function roomOf(spec: ScenarioSpec, runId: string, index: number): string | undefined {
  if (spec.kind === 'lobby') return undefined;
  const size = spec.kind === 'echo' ? 1 : spec.roomSize;
  return `${runId}-${spec.name}-r${Math.floor(index / size)}`;
}

function expectedRecipients(spec: ScenarioSpec, index: number): number {
  if (spec.kind === 'lobby') return spec.clients;
  const size = spec.kind === 'echo' ? 1 : spec.roomSize;
  const roomStart = Math.floor(index / size) * size;
  return Math.min(size, spec.clients - roomStart);
}

async function joinRooms(clients: BenchClient[], spec: ScenarioSpec, runId: string): Promise<void> {
  for (let i = 0; i < clients.length; i += 50) {
    await Promise.all(
      clients.slice(i, i + 50).map(async (client) => {
        const room = roomOf(spec, runId, client.index)!;
        const joined = client.waitForFrame((f) => f.type === 'room' && f.room === room && f.event === 'joined', 60_000);
        const [ok] = await Promise.all([client.send({ type: 'join', id: `join-${room}`, room }), joined]);
        if (!ok) throw new Error(`client ${client.index} could not join ${room}`);
      }),
    );
  }
}

async function sendLoop(client: BenchClient, spec: ScenarioSpec, runId: string, recorder: Recorder, acks: boolean, endAt: number) {
  const interval = 1000 / spec.ratePerClient;
  const room = roomOf(spec, runId, client.index);
  const expected = expectedRecipients(spec, client.index);
  let due = Date.now() + Math.random() * interval;
  for (let seq = 0; ; seq++) {
    await sleep(Math.max(0, due - Date.now()));
    if (Date.now() >= endAt) return;
    const key = `${client.index}.${seq}`;
    const frame = { type: 'send', id: key, ...(room ? { room } : {}), text: benchText(key, Date.now(), spec.messageBytes) };
    recorder.recordSend(key, client.index, expected);
    if (acks) void client.send(frame).then((ok) => recorder.recordAck(key, ok));
    else {
      recorder.recordAck(key, true);
      client.fire(frame);
    }
    due += interval;
  }
}

/**
 * Waits until no client got a frame for 1 s (at most 30 s): the presence frames of this run's
 * connects and the last run's disconnects (a sendToAll each, to every client) would otherwise
 * land in the first seconds of the measured load, which is then no steady state.
 */
async function settle(clients: BenchClient[]): Promise<void> {
  const giveUpAt = Date.now() + 30_000;
  await sleep(500);
  while (Date.now() < giveUpAt) {
    const quietFor = Date.now() - Math.max(0, ...clients.map((client) => client.lastFrameAt));
    if (quietFor >= 1_000) return;
    await sleep(1_000 - quietFor);
  }
}

/** One measured run: connect, set up rooms, send at the asked rate, drain, count. */
export async function runScenario(target: Target, spec: ScenarioSpec, runId: string, drainMs = 15_000): Promise<ScenarioResult> {
  const clients = await openMany(spec.clients, (index) => target.open(index, spec.name));
  try {
    if (spec.kind !== 'lobby' && target.acks) await joinRooms(clients, spec, runId);
    await settle(clients);
    const recorder = new Recorder();
    for (const client of clients) client.recorder = recorder;
    const monitor = new ResourceMonitor({ ...target.pids, 'load-generator': process.pid });
    const countsBefore = target.metrics && (await scrape(target.metrics));
    const loadAtStart = loadavg()[0]!;
    await monitor.start();
    const started = Date.now();
    const endAt = started + spec.durationSeconds * 1000;
    await Promise.all(clients.map((client) => sendLoop(client, spec, runId, recorder, target.acks, endAt)));
    // Drain: wait while deliveries still arrive (a backlog left behind would skew the next run);
    // what has not arrived once nothing moved for `drainMs` counts as lost.
    let lastCount = -1;
    let lastProgress = Date.now();
    const hardStop = Date.now() + 10 * drainMs;
    while (!recorder.complete() && Date.now() - lastProgress < drainMs && Date.now() < hardStop) {
      const count = recorder.deliveryCount();
      if (count !== lastCount) {
        lastCount = count;
        lastProgress = Date.now();
      }
      await sleep(200);
    }
    const processes = await monitor.stop();
    const loadAverage: [number, number] = [round2(loadAtStart), round2(loadavg()[0]!)];
    const figures = recorder.figures(spec.durationSeconds);
    const cpuMsPerMessage = Object.fromEntries(
      Object.entries(processes).map(([name, usage]) => [name, figures.messagesIn > 0 ? round2(usage.cpuMs / figures.messagesIn) : 0]),
    );
    const counts = countsBefore && phaseCounts(countsBefore, await scrape(target.metrics!), figures.messagesIn);
    return {
      name: spec.name,
      kind: spec.kind,
      clients: spec.clients,
      roomSize: spec.kind === 'groups' ? spec.roomSize : spec.kind === 'echo' ? 1 : spec.clients,
      offeredPerSecond: spec.clients * spec.ratePerClient,
      durationSeconds: spec.durationSeconds,
      ...figures,
      processes,
      cpuMsPerMessage,
      ...(counts ? { counts } : {}),
      loadAverage,
    };
  } finally {
    for (const client of clients) client?.close();
    await sleep(500);
  }
}
