import { SERVICES, type MeasuredCost, type ServiceName } from './model.js';

interface BenchRun {
  name?: unknown;
  kind?: unknown;
  roomSize?: unknown;
  offeredPerSecond?: unknown;
  latencyMs?: { p99?: unknown };
  lost?: unknown;
  cpuMsPerMessage?: Record<string, unknown>;
  counts?: { busOperationsPerMessage?: unknown; tableRoundTripsPerEvent?: Record<string, unknown> };
}

/** A run held its rate when its p99 stayed under this and it lost nothing (packages/bench's sustainable load). */
const HELD_P99_MS = 1_000;

/** Why a bench file cannot be read as costs: said in one line. */
export class BenchShapeError extends Error {}

const positive = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value > 0;

/**
 * The cost of one room message from packages/bench's results (bench/results/latest.json):
 * the room run (`kind: groups`) whose room size is nearest the one asked for, at its
 * highest offered rate — where the fixed costs of an idle process weigh least — among the
 * runs that held (p99 under a second, nothing lost) when any did: past the ceiling, shared
 * round trips make a message look cheaper than it is at a rate the stack can carry.
 */
export function costFromBench(json: unknown, roomSize: number, file: string): MeasuredCost {
  const document = json as { runs?: unknown; ramp?: unknown; startedAt?: unknown };
  const runs = [...(Array.isArray(document.runs) ? document.runs : []), ...(Array.isArray(document.ramp) ? document.ramp : [])] as BenchRun[];
  const measured = runs.filter((run) => run.kind === 'groups' && run.cpuMsPerMessage && positive(run.roomSize));
  const held = measured.filter((run) => typeof run.latencyMs?.p99 === 'number' && run.latencyMs.p99 < HELD_P99_MS && run.lost === 0);
  const rooms = held.length > 0 ? held : measured;
  if (rooms.length === 0) throw new BenchShapeError(`${file} has no room run (kind "groups") with cpuMsPerMessage: run npm run bench first`);
  const distance = (run: BenchRun) => Math.abs(Math.log((run.roomSize as number) / roomSize));
  const run = rooms.sort((a, b) => distance(a) - distance(b) || Number(b.offeredPerSecond ?? 0) - Number(a.offeredPerSecond ?? 0))[0]!;
  const cpuMsPerMessage = {} as Record<ServiceName, number>;
  for (const service of SERVICES) {
    const value = run.cpuMsPerMessage?.[service];
    if (!positive(value)) throw new BenchShapeError(`${file}: run "${String(run.name)}" has no CPU per message for ${service}`);
    cpuMsPerMessage[service] = value;
  }
  const busOperationsPerMessage = run.counts?.busOperationsPerMessage;
  const tableRoundTrips = run.counts?.tableRoundTripsPerEvent?.['message.send'];
  if (!positive(busOperationsPerMessage)) throw new BenchShapeError(`${file}: run "${String(run.name)}" has no counts.busOperationsPerMessage`);
  if (!positive(tableRoundTrips)) throw new BenchShapeError(`${file}: run "${String(run.name)}" has no counts.tableRoundTripsPerEvent["message.send"]`);
  return {
    source: `${file}, run "${String(run.name)}" (rooms of ${String(run.roomSize)}, ${String(run.offeredPerSecond)} messages/s${typeof document.startedAt === 'string' ? `, ${document.startedAt.slice(0, 10)}` : ''})`,
    cpuMsPerMessage,
    busOperationsPerMessage,
    tableRoundTripsPerMessage: tableRoundTrips,
  };
}
