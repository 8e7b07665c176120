/**
 * Side by side: the ramp runs, idle CPU and profile owners of several result directories
 * (each written by `npm run bench -- --out DIR`), as markdown.
 *
 *   node --import tsx packages/bench/src/compare.ts label=DIR label=DIR …
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SERVICES } from './cost-report.js';
import type { BenchReport } from './report.js';

const fixed = (value: number | undefined | null, digits = 2) => (value === undefined || value === null || !Number.isFinite(value) ? '–' : value.toFixed(digits));

const inputs = await Promise.all(
  process.argv.slice(2).map(async (arg) => {
    const [label, dir] = arg.split('=') as [string, string];
    return { label, report: JSON.parse(await readFile(join(dir, 'latest.json'), 'utf8')) as BenchReport };
  }),
);

const lines: string[] = [];
lines.push('| run | step | in msg/s | p50 ms | p99 ms | lost | load avg | gateway | chat-worker | notifier | services | tables | servicebus | signalr | table trips / room message | bus ops / message |');
lines.push('| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const { label, report } of inputs) {
  for (const run of report.ramp) {
    const cpu = run.cpuMsPerMessage ?? {};
    const services = SERVICES.reduce((sum, name) => sum + (cpu[name] ?? 0), 0);
    const tables = cpu.tables ?? cpu.azurite;
    const trips = run.counts?.tableRoundTripsPerEvent['message.send'];
    lines.push(
      `| ${label} | ${run.offeredPerSecond}/s | ${run.messagesInPerSecond} | ${fixed(run.latencyMs.p50, 0)} | ${fixed(run.latencyMs.p99, 0)} | ${run.lost} | ${run.loadAverage.map((v) => fixed(v, 1)).join(' → ')} | ` +
        `${fixed(cpu.gateway)} | ${fixed(cpu['chat-worker'])} | ${fixed(cpu.notifier)} | **${fixed(services)}** | ${fixed(tables)} | ${fixed(cpu.servicebus)} | ${fixed(cpu.signalr)} | ${trips ? fixed(trips) : 'not counted'} | ${fixed(run.counts?.busOperationsPerMessage)} |`,
    );
  }
}
lines.push('', 'CPU in ms per message in, per process. At rest (nobody connected), % of one core:', '');
const names = [...new Set(inputs.flatMap(({ report }) => Object.keys(report.idle?.cpuPercent ?? {})))];
lines.push(`| run | load avg | ${names.join(' | ')} | whole stack |`, `| --- | --- | ${names.map(() => '---:').join(' | ')} | ---: |`);
for (const { label, report } of inputs) {
  const idle = report.idle;
  if (!idle) continue;
  const stack = Object.entries(idle.cpuPercent).filter(([name]) => name !== 'load-generator').reduce((sum, [, v]) => sum + v, 0);
  lines.push(`| ${label} | ${idle.loadAverage.map((v) => fixed(v, 1)).join(' → ')} | ${names.map((name) => fixed(idle.cpuPercent[name], 1)).join(' | ')} | ${fixed(stack, 1)} |`);
}
for (const service of SERVICES) {
  lines.push('', `#### ${service}: CPU profile, busy self time by owner`, '');
  for (const { label, report } of inputs) {
    const frames = report.profiles?.[service];
    if (!frames) continue;
    const owners = frames.slice(0, frames.indexOf('') + 1 + 2 + 8).filter((line) => line.startsWith('| ') && !line.startsWith('| busy') && !line.startsWith('| ---'));
    lines.push(`- ${label} (${frames[0]}): ${owners.map((line) => line.slice(2, -2).replace(' | ', ' ')).join('; ')}`);
  }
}
console.log(lines.join('\n'));
