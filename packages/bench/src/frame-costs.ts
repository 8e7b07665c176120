import { loadavg } from 'node:os';
import { EMOJI, Limits } from '@parley/contracts';
import { benchText, openMany, type BenchClient } from './bench-client.js';
import { ResourceMonitor, type ProcessUsage } from './resources.js';
import type { Target } from './scenario.js';
import { phaseCounts, scrape, type PhaseCounts } from './service-metrics.js';

/**
 * What a typing frame, a reaction and a read frame cost beside a stored room message, measured
 * in one run with the same clients in the same rooms: four phases one after the other (messages,
 * typing, reactions, reads), each at the same rate, each with its own CPU time per process (from /proc) and the
 * worker's table round trips per event, divided by the frames the gateway accepted.
 */
export interface FrameCostSpec {
  clients: number;
  roomSize: number;
  /** Frames per second per client in every phase: below one per Limits.typingIntervalMs, so typing is never throttled. */
  ratePerClient: number;
  durationSeconds: number;
  messageBytes: number;
}

export type FrameKind = 'message' | 'typing' | 'reaction' | 'read';

/** The server frame each phase's frames reach the room as. */
const DELIVERED_AS: Record<FrameKind, string> = { message: 'message', typing: 'typing', reaction: 'update', read: 'read' };
const EMOJI_NAMES = Object.keys(EMOJI);

export interface FramePhase {
  kind: FrameKind;
  /** Frames the gateway acked ok. */
  framesIn: number;
  /** Frames refused (an error ack or an error frame): a valid run has none. */
  refused: number;
  /** Frames of the kind delivered to the room's clients (message, typing, update or read notices). */
  delivered: number;
  /** Deliveries expected: each accepted frame to every member of its room. */
  expected: number;
  processes: Record<string, ProcessUsage>;
  /** CPU ms per accepted frame, per process. */
  cpuMsPerFrame: Record<string, number>;
  /** gateway + chat-worker + notifier. */
  servicesCpuMsPerFrame: number;
  counts?: PhaseCounts;
  loadAverage: [number, number];
}

export interface FrameCostResult {
  spec: FrameCostSpec;
  phases: FramePhase[];
  /** The services' CPU per typing / reaction / read frame ÷ per stored room message, same run. */
  ratios: Record<string, number>;
}

const SERVICES = ['gateway', 'chat-worker', 'notifier'];
const round2 = (value: number) => Math.round(value * 100) / 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A message a client saw in its room, for the reads that follow (in the conversation's order: time, then id). */
interface Seen {
  readonly id: string;
  readonly at: string;
}

class PhaseTally {
  framesIn = 0;
  refused = 0;
  delivered = 0;
  lastFrameAt = 0;
}

export async function runFrameCosts(target: Target, spec: FrameCostSpec, runId: string, drainMs = 5_000): Promise<FrameCostResult> {
  if (spec.ratePerClient * Limits.typingIntervalMs >= 1000) {
    throw new Error(`--rate must stay below ${1000 / Limits.typingIntervalMs} frames/s per client, or typing frames are throttled`);
  }
  const clients = await openMany(spec.clients, (index) => target.open(index, 'frames'));
  const roomOf = (index: number) => `${runId}-frames-r${Math.floor(index / spec.roomSize)}`;
  const seen = new Map<number, Seen[]>();
  let tally = new PhaseTally();
  let kind: FrameKind = 'message';
  try {
    for (const client of clients) {
      seen.set(client.index, []);
      client.onEveryFrame = (frame) => {
        if (frame.type === 'message' && frame.room === roomOf(client.index)) seen.get(client.index)!.push({ id: String(frame.id), at: String(frame.at) });
        if (frame.type === 'error') tally.refused++;
        if (frame.type === DELIVERED_AS[kind] && (kind !== 'message' || frame.room === roomOf(client.index))) {
          tally.delivered++;
          tally.lastFrameAt = Date.now();
        }
      };
    }
    await joinAll(clients, roomOf);
    const phases: FramePhase[] = [];
    for (const next of ['message', 'typing', 'reaction', 'read'] as const) {
      kind = next;
      tally = new PhaseTally();
      phases.push(await runPhase(target, clients, spec, next, roomOf, seen, tally, drainMs));
    }
    const cost = (of: FrameKind) => phases.find((phase) => phase.kind === of)!.servicesCpuMsPerFrame;
    const ratios: Record<string, number> = {};
    if (cost('message') > 0) {
      ratios['typing / message (services CPU per frame)'] = round2(cost('typing') / cost('message'));
      ratios['reaction / message (services CPU per frame)'] = round2(cost('reaction') / cost('message'));
      ratios['read / message (services CPU per frame)'] = round2(cost('read') / cost('message'));
    }
    return { spec, phases, ratios };
  } finally {
    for (const client of clients) client?.close();
    await sleep(500);
  }
}

async function joinAll(clients: BenchClient[], roomOf: (index: number) => string): Promise<void> {
  for (let i = 0; i < clients.length; i += 50) {
    await Promise.all(
      clients.slice(i, i + 50).map(async (client) => {
        const room = roomOf(client.index);
        const joined = client.waitForFrame((f) => f.type === 'room' && f.room === room && f.event === 'joined', 60_000);
        const [ok] = await Promise.all([client.send({ type: 'join', id: `join-${room}`, room }), joined]);
        if (!ok) throw new Error(`client ${client.index} could not join ${room}`);
      }),
    );
  }
}

/** Waits until no client got a frame for 1 s (at most 30 s), so one phase's tail is not the next one's cost. */
async function settle(clients: BenchClient[]): Promise<void> {
  const giveUpAt = Date.now() + 30_000;
  await sleep(500);
  while (Date.now() < giveUpAt) {
    const quietFor = Date.now() - Math.max(0, ...clients.map((client) => client.lastFrameAt));
    if (quietFor >= 1_000) return;
    await sleep(1_000 - quietFor);
  }
}

/**
 * The frames one client sends in a phase: its `n`th frame of the kind. Reads walk forward through
 * what the client saw; reactions too, each client of a room starting at its own place in the
 * room's messages, so two reactions rarely race for one message row (that race is tested
 * elsewhere; here it would measure retries, not a reaction).
 */
function frameFor(kind: FrameKind, client: BenchClient, n: number, room: string, plan: readonly Seen[], spec: FrameCostSpec): Record<string, unknown> | undefined {
  const id = `${kind}-${client.index}-${n}`;
  if (kind === 'message') return { type: 'send', id, room, text: benchText(id, Date.now(), spec.messageBytes) };
  if (kind === 'typing') return { type: 'typing', id, room };
  if (kind === 'reaction') {
    if (n >= plan.length) return undefined;
    const message = plan[(n + (client.index % spec.roomSize) * Math.max(1, Math.floor(plan.length / spec.roomSize))) % plan.length]!;
    return { type: 'react', id, room, message: message.id, emoji: EMOJI_NAMES[client.index % EMOJI_NAMES.length] };
  }
  const reads = plan;
  const message = reads[n];
  return message === undefined ? undefined : { type: 'read', id, room, message: message.id };
}

/** Every `step`th message the client saw, in the conversation's order, so each read moves the position forward. */
function readPlan(seen: readonly Seen[], wanted: number): Seen[] {
  const ordered = [...seen].sort((a, b) => (a.at === b.at ? (a.id < b.id ? -1 : 1) : a.at < b.at ? -1 : 1));
  const step = Math.max(1, Math.floor(ordered.length / Math.max(1, wanted)));
  return ordered.filter((_, index) => (index + 1) % step === 0);
}

async function runPhase(
  target: Target,
  clients: BenchClient[],
  spec: FrameCostSpec,
  kind: FrameKind,
  roomOf: (index: number) => string,
  seen: Map<number, Seen[]>,
  tally: PhaseTally,
  drainMs: number,
): Promise<FramePhase> {
  await settle(clients);
  const interval = 1000 / spec.ratePerClient;
  const wanted = Math.ceil(spec.durationSeconds * spec.ratePerClient) + 1;
  const plans = new Map(clients.map((client) => [client.index, kind === 'read' || kind === 'reaction' ? readPlan(seen.get(client.index)!, wanted) : []]));
  const monitor = new ResourceMonitor({ ...target.pids, 'load-generator': process.pid });
  const countsBefore = target.metrics && (await scrape(target.metrics));
  const loadAtStart = loadavg()[0]!;
  await monitor.start();
  const endAt = Date.now() + spec.durationSeconds * 1000;
  await Promise.all(
    clients.map(async (client) => {
      let due = Date.now() + Math.random() * interval;
      for (let n = 0; ; n++) {
        await sleep(Math.max(0, due - Date.now()));
        if (Date.now() >= endAt) return;
        const frame = frameFor(kind, client, n, roomOf(client.index), plans.get(client.index)!, spec);
        if (frame === undefined) return;
        void client.send(frame).then((ok) => (ok ? tally.framesIn++ : tally.refused++));
        due += interval;
      }
    }),
  );
  // Drain: until every accepted frame reached its room, or nothing arrived for `drainMs`.
  const sizeOf = (index: number) => Math.min(spec.roomSize, spec.clients - Math.floor(index / spec.roomSize) * spec.roomSize);
  const expectedPerFrame = clients.reduce((sum, client) => sum + sizeOf(client.index), 0) / clients.length;
  tally.lastFrameAt = Date.now();
  while (tally.delivered < Math.round(tally.framesIn * expectedPerFrame) && Date.now() - tally.lastFrameAt < drainMs) await sleep(200);
  const processes = await monitor.stop();
  const perFrame = (ms: number) => (tally.framesIn > 0 ? round2(ms / tally.framesIn) : 0);
  const cpuMsPerFrame = Object.fromEntries(Object.entries(processes).map(([name, usage]) => [name, perFrame(usage.cpuMs)]));
  const counts = countsBefore && phaseCounts(countsBefore, await scrape(target.metrics!), tally.framesIn);
  return {
    kind,
    framesIn: tally.framesIn,
    refused: tally.refused,
    delivered: tally.delivered,
    expected: Math.round(tally.framesIn * expectedPerFrame),
    processes,
    cpuMsPerFrame,
    servicesCpuMsPerFrame: perFrame(SERVICES.reduce((sum, name) => sum + (processes[name]?.cpuMs ?? 0), 0)),
    ...(counts ? { counts } : {}),
    loadAverage: [round2(loadAtStart), round2(loadavg()[0]!)],
  };
}
