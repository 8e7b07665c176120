import { cpus, loadavg } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CHAT_SUBPROTOCOL } from '@parley/contracts';
import { negotiate, startStack } from '@parley/stack';
import { WORKSPACE_ROOT } from '@parley/testkit';
import { BenchClient } from './bench-client.js';
import { runFrameCosts, type FrameCostResult } from './frame-costs.js';
import type { Target } from './scenario.js';

/*
 * The cost of a typing frame, a reaction and a read frame beside a stored room message's, in one run
 * against a freshly started stack (src/frame-costs.ts). `npm run bench:frames -w packages/bench`
 * (`-- --clients 200 --rate 0.4 --duration 20`); results in bench/results/frame-costs/.
 */
const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '100' },
    'room-size': { type: 'string', default: '10' },
    rate: { type: 'string', default: '0.4' },
    duration: { type: 'string', default: '20' },
    out: { type: 'string' },
  },
});
const spec = {
  clients: Number(values.clients),
  roomSize: Number(values['room-size']),
  ratePerClient: Number(values.rate),
  durationSeconds: Number(values.duration),
  messageBytes: 2048,
};
for (const [name, value] of Object.entries(spec)) if (!(value > 0)) throw new Error(`--${name} must be a positive number, not ${String(value)}`);
const outDir = values.out ?? join(WORKSPACE_ROOT, 'bench', 'results', 'frame-costs');

function frameCostsMarkdown(result: FrameCostResult, startedAt: string): string {
  const processes = [...new Set(result.phases.flatMap((phase) => Object.keys(phase.cpuMsPerFrame)))].sort();
  const lines = [
    `Frame costs, ${startedAt}: ${result.spec.clients} clients in rooms of ${result.spec.roomSize}, ${result.spec.ratePerClient} frames/s each, ${result.spec.durationSeconds} s per phase, ${cpus().length} cores.`,
    '',
    `| frame | in | refused | delivered / expected | services ms/frame | ${processes.join(' | ')} | table trips / event | load avg |`,
    `| --- | ---: | ---: | ---: | ---: | ${processes.map(() => '---:').join(' | ')} | --- | --- |`,
    ...result.phases.map((phase) => {
      const trips = Object.entries(phase.counts?.tableRoundTripsPerEvent ?? {})
        .filter(([type]) => type.startsWith('message.'))
        .map(([type, trips]) => `${type} ${trips}`)
        .join(', ');
      return `| ${phase.kind} | ${phase.framesIn} | ${phase.refused} | ${phase.delivered} / ${phase.expected} | ${phase.servicesCpuMsPerFrame} | ${processes.map((name) => phase.cpuMsPerFrame[name] ?? '').join(' | ')} | ${trips} | ${phase.loadAverage.join(' → ')} |`;
    }),
    '',
    ...Object.entries(result.ratios).map(([name, ratio]) => `- ${name}: ${ratio}`),
  ];
  return `${lines.join('\n')}\n`;
}

const startedAt = new Date().toISOString();
console.error(`load average ${loadavg().map((v) => v.toFixed(2)).join(' ')} on ${cpus().length} cores; starting the stack…`);
const stack = await startStack({ inMemory: true, ephemeralPorts: true, dataDir: join(WORKSPACE_ROOT, '.parley', 'bench-frames') });
try {
  const runId = Date.now().toString(36);
  const target: Target = {
    acks: true,
    pids: Object.fromEntries(Object.entries(stack.pids()).map(([name, pid]) => [name, pid!])),
    metrics: { ports: stack.ports, opsUrl: (name: string) => stack.opsUrl(name as 'gateway') },
    open: async (index) => BenchClient.open(index, (await negotiate(stack.gatewayUrl, `f${runId}-${index}`)).url, CHAT_SUBPROTOCOL),
  };
  const result = await runFrameCosts(target, spec, runId);
  const markdown = frameCostsMarkdown(result, startedAt);
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, 'latest.json'), `${JSON.stringify({ startedAt, ...result }, null, 2)}\n`);
  await writeFile(join(outDir, 'latest.md'), markdown);
  console.log(markdown);
  process.exitCode = result.phases.every((phase) => phase.refused === 0 && phase.delivered >= phase.expected) ? 0 : 1;
} finally {
  await stack.stop();
}
