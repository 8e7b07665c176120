import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PARTITIONS, EVENT_LOG_SHARDS } from '@parley/contracts';
import { JSON_OPTION, jsonLine, parseFlags } from '../args.js';
import { CliError, CliErrorCodes, usageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { BenchShapeError, costFromBench } from '../capacity/bench.js';
import { planCapacity, type Deployment } from '../capacity/model.js';
import { renderPlans } from '../capacity/render.js';

export const CAPACITY_HELP = `Usage: parley capacity [--users N] [--rate R] [--room-size K] [--connections-per-user C]
                       [--partitions P] [--bench FILE] [--json]

Sizes Parley on Azure on paper: replicas of each service, Web PubSub units,
the Service Bus tier and messaging units, PARTITIONS and storage accounts for N
concurrent users (without --users: 10,000, 100,000 and 1,000,000), and every
published limit's use against today's deployment, naming the first one hit and
what to change. CPU per message comes from the bench results; each limit is
printed with its source (docs/capacity.md explains the model).

  --users       concurrent users (default: the three sizes)
  --rate        messages each user sends per minute (default 1)
  --room-size   connections each message reaches (default 10)
  --connections-per-user   WebSocket connections per user (default 1)
  --partitions  today's PARTITIONS (default the PARTITIONS variable, else ${DEFAULT_PARTITIONS})
  --bench       the bench results (default bench/results/latest.json of this repository)`;

/**
 * The most PARTITIONS a service accepts (service-kit's MAX_PARTITIONS, checked equal by the
 * unit test): the service kit is not imported here, its SDKs would slow every start of the CLI.
 */
export const SERVICES_MAX_PARTITIONS = 1024;

export const DEFAULT_SIZES = [10_000, 100_000, 1_000_000] as const;
const DEFAULT_BENCH = fileURLToPath(new URL('../../../../bench/results/latest.json', import.meta.url));

/** k8s/overlays/prod: HPA 3–20 gateways, KEDA 2–32 workers and notifiers; one core per replica at a 70 % target. */
export const PROD_DEPLOYMENT: Omit<Deployment, 'partitions'> = {
  eventLogShards: EVENT_LOG_SHARDS,
  maxReplicas: { gateway: 20, 'chat-worker': 32, notifier: 32 },
  minReplicas: { gateway: 3, 'chat-worker': 2, notifier: 2 },
  coresPerReplica: 0.7,
  sessionUtilization: 0.7,
  maxPartitions: SERVICES_MAX_PARTITIONS,
};

function positiveNumber(flag: string, text: string | undefined, fallback: number, integer = false): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw usageError(`capacity: --${flag} must be a positive ${integer ? 'whole number' : 'number'}, got "${text}"`);
  }
  return value;
}

export async function capacityCommand(args: string[], io: CliIo): Promise<void> {
  const { values } = parseFlags('capacity', args, {
    users: { type: 'string' },
    rate: { type: 'string' },
    'room-size': { type: 'string' },
    'connections-per-user': { type: 'string' },
    partitions: { type: 'string' },
    bench: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    ...JSON_OPTION,
  });
  if (values.help) {
    io.stdout.write(`${CAPACITY_HELP}\n`);
    return;
  }
  const sizes = values.users === undefined ? [...DEFAULT_SIZES] : [positiveNumber('users', values.users.replaceAll('_', ''), 0, true)];
  const rate = positiveNumber('rate', values.rate, 1);
  const roomSize = positiveNumber('room-size', values['room-size'], 10, true);
  const connectionsPerUser = positiveNumber('connections-per-user', values['connections-per-user'], 1);
  const partitions = positiveNumber('partitions', values.partitions ?? io.env.PARTITIONS, DEFAULT_PARTITIONS, true);

  const benchFile = values.bench ? resolve(io.cwd, values.bench) : DEFAULT_BENCH;
  let text: string;
  try {
    text = await readFile(benchFile, 'utf8');
  } catch (error) {
    throw new CliError(CliErrorCodes.inputInvalid, `cannot read the bench results ${benchFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let cost;
  try {
    cost = costFromBench(JSON.parse(text) as unknown, roomSize, values.bench ?? 'bench/results/latest.json');
  } catch (error) {
    if (error instanceof SyntaxError) throw new CliError(CliErrorCodes.inputInvalid, `${benchFile}: not JSON`);
    if (error instanceof BenchShapeError) throw new CliError(CliErrorCodes.inputInvalid, error.message);
    throw error;
  }

  const deployment: Deployment = { ...PROD_DEPLOYMENT, partitions };
  const plans = sizes.map((users) => planCapacity({ users, messagesPerUserPerMinute: rate, roomSize, connectionsPerUser, cost, deployment }));
  if (values.json) {
    io.stdout.write(jsonLine({ cost, deployment, rate, roomSize, connectionsPerUser, plans }));
    return;
  }
  const header =
    `Parley capacity on paper: ${rate} message(s) per user per minute, rooms of ${roomSize}, ${connectionsPerUser} connection(s) per user.\n` +
    `CPU per message (ms): gateway ${cost.cpuMsPerMessage.gateway}, chat-worker ${cost.cpuMsPerMessage['chat-worker']}, notifier ${cost.cpuMsPerMessage.notifier}; ` +
    `${cost.busOperationsPerMessage} bus operations and ${cost.tableRoundTripsPerMessage} Table round trips per message — from ${cost.source}.\n` +
    `Today's deployment: Web PubSub Standard_S1, Service Bus Standard, one storage account, PARTITIONS=${partitions}, ${EVENT_LOG_SHARDS} event-log shards, ` +
    `replicas up to ${deployment.maxReplicas.gateway} gateways and ${deployment.maxReplicas['chat-worker']} workers and notifiers at ${deployment.coresPerReplica} core each.`;
  io.stdout.write(renderPlans(plans, header));
}
