import { cpus, loadavg, totalmem } from 'node:os';
import { appendFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CHAT_SUBPROTOCOL } from '@parley/contracts';
import { negotiate, startStack, type Stack } from '@parley/stack';
import { WORKSPACE_ROOT } from '@parley/testkit';
import { BenchClient } from './bench-client.js';
import { startBaseline } from './baseline.js';
import { runScenario, type ScenarioResult, type ScenarioSpec, type Target } from './scenario.js';
import { markdown, writeReport, type BenchReport } from './report.js';
import { IDLE_SETTLE_SECONDS, measureIdle } from './idle.js';
import { summarizeProfiles } from './profile-summary.js';
import type { MetricsSource } from './service-metrics.js';
import { round } from './stats.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'use-running': { type: 'boolean', default: false },
    clients: { type: 'string' },
    duration: { type: 'string' },
    ramp: { type: 'string' },
    out: { type: 'string' },
    // Seconds of the idle stack measured before the runs (0: skip).
    idle: { type: 'string' },
    // Seconds the stack sits after ready before the idle measurement (start-up tails are not rest).
    'idle-settle': { type: 'string' },
    // V8 CPU profiles of the three services, summarised into the results (top self-time frames).
    'cpu-prof': { type: 'boolean', default: false },
    // What serves the Table API in the started stack: emulator (emulators/tables, the default) or azurite.
    tables: { type: 'string' },
    // Append the stack's warning and error log lines to this file (diagnosing a bad run).
    logs: { type: 'string' },
  },
});

// --quick is the CI smoke run: tiny load, results kept out of the committed folder.
const quick = values.quick;
const clients = Number(values.clients ?? (quick ? 20 : 200));
const duration = Number(values.duration ?? (quick ? 4 : 20));
const rampSteps = (values.ramp ?? (quick ? '10,20' : '100,200,300,400,500,750,1000')).split(',').map(Number);
const outDir = values.out ?? join(WORKSPACE_ROOT, 'bench', 'results', quick ? 'tmp' : '');
// An explicit --ramp re-measures those load levels only (no baseline, echo or lobby runs).
const rampOnly = values.ramp !== undefined;
const idleSeconds = Number(values.idle ?? (quick ? 3 : 30));
const idleSettleSeconds = Number(values['idle-settle'] ?? (quick ? 3 : IDLE_SETTLE_SECONDS));
const profileDir = values['cpu-prof'] ? join(outDir, 'profiles') : undefined;
// Every process of the stack: the services, and the local stand-ins whose cost per message counts too.
const PROFILED = ['gateway', 'chat-worker', 'notifier', 'tables', 'servicebus', 'signalr'] as const;
const PROFILER = fileURLToPath(new URL('./cpu-profiler.mjs', import.meta.url));
if (values.tables !== undefined && values.tables !== 'emulator' && values.tables !== 'azurite') {
  throw new Error(`--tables must be emulator or azurite, not "${values.tables}"`);
}
const tables = values.tables as 'emulator' | 'azurite' | undefined;
const base = { ratePerClient: 1, durationSeconds: duration, messageBytes: 2048 };

async function pipelineTarget(): Promise<{ target: Target; stop: () => Promise<void> }> {
  let stack: Stack | undefined;
  let gatewayUrl: string;
  let metrics: MetricsSource;
  if (values['use-running']) {
    const file = JSON.parse(await readFile(join(WORKSPACE_ROOT, '.parley', 'stack.json'), 'utf8')) as {
      gatewayUrl: string;
      ports: Record<string, number>;
      opsPorts?: { gateway: number };
    };
    gatewayUrl = file.gatewayUrl;
    const gatewayOps = file.opsPorts?.gateway;
    metrics = { ports: file.ports, opsUrl: (name) => `http://127.0.0.1:${name === 'gateway' && gatewayOps ? gatewayOps : file.ports[name]}` };
  } else {
    console.error('starting the stack (in memory, ephemeral ports)…');
    const env = profileDir
      ? Object.fromEntries(
          PROFILED.map((name) => [name, { NODE_OPTIONS: `--import ${PROFILER}`, PARLEY_CPU_PROFILE_DIR: join(profileDir, name) }]),
        )
      : {};
    const logFile = values.logs;
    const onLine = logFile
      ? (component: string, line: string) => {
          if (/"level":(4|5|6)\d/.test(line)) appendFileSync(logFile, `${component} ${line}\n`);
        }
      : undefined;
    const started = await startStack({
      inMemory: true,
      ephemeralPorts: true,
      dataDir: join(WORKSPACE_ROOT, '.parley', 'bench'),
      env,
      ...(tables ? { tables } : {}),
      ...(onLine ? { onLine } : {}),
    });
    stack = started;
    gatewayUrl = started.gatewayUrl;
    // Tolerant of an older stack (no ops ports, no tables option), so `before` figures come from the same bench.
    const withOps = started as Partial<Pick<Stack, 'opsUrl' | 'tablesBackend'>>;
    metrics = { ports: started.ports, ...(withOps.opsUrl ? { opsUrl: (name: string) => withOps.opsUrl!(name as 'gateway') } : {}) };
    console.error(`tables served by ${withOps.tablesBackend ?? 'azurite'}`);
  }
  const runId = Date.now().toString(36);
  return {
    target: {
      acks: true,
      pids: Object.fromEntries(Object.entries(stack?.pids() ?? {}).map(([name, pid]) => [name, pid!])),
      metrics,
      open: async (index, scenario) => {
        const { url } = await negotiate(gatewayUrl, `b${runId}-${scenario}-${index}`);
        return BenchClient.open(index, url, CHAT_SUBPROTOCOL);
      },
    },
    stop: async () => stack?.stop(),
  };
}

const log = (run: ScenarioResult) =>
  console.error(
    `${run.name.padEnd(16)} in ${run.messagesInPerSecond}/s out ${run.deliveriesPerSecond}/s ` +
      `p50 ${round(run.latencyMs.p50, 0)} p99 ${round(run.latencyMs.p99, 0)} max ${round(run.latencyMs.max, 0)} ms ` +
      `errors ${run.errors} lost ${run.lost} duplicated ${run.duplicated} | load ${run.loadAverage.join(' → ')} | ` +
      `CPU ms/msg ${Object.entries(run.cpuMsPerMessage).map(([name, ms]) => `${name} ${ms}`).join(', ')}` +
      (run.counts ? ` | table trips ${JSON.stringify(run.counts.tableRoundTripsPerEvent)} bus ops/msg ${run.counts.busOperationsPerMessage}` : ''),
  );

const runId = Date.now().toString(36);
const report: BenchReport = {
  startedAt: new Date().toISOString(),
  machine: { cpus: cpus().length, node: process.version, memoryGb: Math.round(totalmem() / 2 ** 30) },
  settings: { ...base, clients, rampSteps, quick, rampOnly, tables: tables ?? 'stack default', loadAverageAtStart: loadavg().map((v) => Math.round(v * 100) / 100) },
  runs: [],
  baseline: [],
  ramp: [],
  maxSustainablePerSecond: null,
  ratios: {},
};

const specs: ScenarioSpec[] = [
  { ...base, name: 'echo', kind: 'echo', clients, roomSize: 1 },
  { ...base, name: 'rooms-of-10', kind: 'groups', clients, roomSize: 10 },
  { ...base, name: 'lobby-100', kind: 'lobby', clients: Math.min(100, clients), roomSize: 0 },
];

console.error(`load average ${loadavg().map((v) => v.toFixed(2)).join(' ')} on ${cpus().length} cores`);
if (!rampOnly) {
  const baseline = await startBaseline();
  try {
    const run = await runScenario(baseline.target, { ...base, name: 'echo', kind: 'echo', clients, roomSize: 1 }, runId);
    report.baseline.push(run);
    log(run);
  } finally {
    await baseline.stop();
  }
}

const pipeline = await pipelineTarget();
try {
  if (idleSeconds > 0) {
    report.idle = await measureIdle(pipeline.target.pids, idleSeconds, idleSettleSeconds);
    console.error(`idle ${idleSeconds} s: ${Object.entries(report.idle.cpuPercent).map(([name, pct]) => `${name} ${pct}%`).join(', ')}`);
  }
  for (const spec of rampOnly ? [] : specs) {
    const run = await runScenario(pipeline.target, spec, runId);
    report.runs.push(run);
    log(run);
  }
  for (const step of rampSteps) {
    const run = await runScenario(pipeline.target, { ...base, name: `ramp-${step}`, kind: 'groups', clients: step, roomSize: 10 }, runId);
    report.ramp.push(run);
    log(run);
    const sustainable = run.latencyMs.p99 < 1000 && run.lost === 0 && run.errors === 0;
    if (sustainable) report.maxSustainablePerSecond = run.offeredPerSecond;
    else break;
  }
} finally {
  await pipeline.stop();
}
if (profileDir) report.profiles = await summarizeProfiles(profileDir, WORKSPACE_ROOT);

const echo = report.runs.find((run) => run.name === 'echo');
const baseEcho = report.baseline[0];
if (echo && baseEcho) {
  report.ratios['echo p99 latency (pipeline / baseline)'] = round(echo.latencyMs.p99 / baseEcho.latencyMs.p99, 2);
  report.ratios['echo p50 latency (pipeline / baseline)'] = round(echo.latencyMs.p50 / baseEcho.latencyMs.p50, 2);
  report.ratios['echo deliveries/s (pipeline / baseline)'] = round(echo.deliveriesPerSecond / baseEcho.deliveriesPerSecond, 2);
}
const files = await writeReport(report, outDir);
console.log(markdown(report));
console.error(`written: ${files.join(', ')}`);
const clean = [...report.runs, ...report.ramp.slice(0, 1)].every((run) => run.lost === 0 && run.duplicated === 0);
process.exitCode = clean ? 0 : 1;
