import { cpus, totalmem } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CHAT_SUBPROTOCOL } from '@parley/contracts';
import { negotiate, startStack, type Stack } from '@parley/stack';
import { WORKSPACE_ROOT } from '@parley/testkit';
import { BenchClient } from './bench-client.js';
import { startBaseline } from './baseline.js';
import { runScenario, type ScenarioResult, type ScenarioSpec, type Target } from './scenario.js';
import { markdown, writeReport, type BenchReport } from './report.js';
import { round } from './stats.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'use-running': { type: 'boolean', default: false },
    clients: { type: 'string' },
    duration: { type: 'string' },
    ramp: { type: 'string' },
    out: { type: 'string' },
  },
});

// --quick is the CI smoke run: tiny load, results kept out of the committed folder.
const quick = values.quick;
const clients = Number(values.clients ?? (quick ? 20 : 200));
const duration = Number(values.duration ?? (quick ? 4 : 20));
const rampSteps = (values.ramp ?? (quick ? '10,20' : '100,200,300,400,500,750,1000')).split(',').map(Number);
const outDir = values.out ?? join(WORKSPACE_ROOT, 'bench', 'results', quick ? 'tmp' : '');
const base = { ratePerClient: 1, durationSeconds: duration, messageBytes: 2048 };

async function pipelineTarget(): Promise<{ target: Target; stop: () => Promise<void> }> {
  let stack: Stack | undefined;
  let gatewayUrl: string;
  if (values['use-running']) {
    const file = JSON.parse(await readFile(join(WORKSPACE_ROOT, '.parley', 'stack.json'), 'utf8')) as { gatewayUrl: string };
    gatewayUrl = file.gatewayUrl;
  } else {
    console.error('starting the stack (in memory, ephemeral ports)…');
    stack = await startStack({ inMemory: true, ephemeralPorts: true, dataDir: join(WORKSPACE_ROOT, '.parley', 'bench') });
    gatewayUrl = stack.gatewayUrl;
  }
  const runId = Date.now().toString(36);
  return {
    target: {
      acks: true,
      pids: Object.fromEntries(Object.entries(stack?.pids() ?? {}).map(([name, pid]) => [name, pid!])),
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
      `errors ${run.errors} lost ${run.lost} duplicated ${run.duplicated}`,
  );

const runId = Date.now().toString(36);
const report: BenchReport = {
  startedAt: new Date().toISOString(),
  machine: { cpus: cpus().length, node: process.version, memoryGb: Math.round(totalmem() / 2 ** 30) },
  settings: { ...base, clients, rampSteps, quick },
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

const baseline = await startBaseline();
try {
  const run = await runScenario(baseline.target, { ...base, name: 'echo', kind: 'echo', clients, roomSize: 1 }, runId);
  report.baseline.push(run);
  log(run);
} finally {
  await baseline.stop();
}

const pipeline = await pipelineTarget();
try {
  for (const spec of specs) {
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
