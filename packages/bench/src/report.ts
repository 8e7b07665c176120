import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { costTable, idleLines, type IdleUsage } from './cost-report.js';
import { round } from './stats.js';
import type { ScenarioResult } from './scenario.js';

export interface BenchReport {
  startedAt: string;
  machine: { cpus: number; node: string; memoryGb: number };
  settings: Record<string, unknown>;
  runs: ScenarioResult[];
  baseline: ScenarioResult[];
  ramp: ScenarioResult[];
  /** Highest offered load (messages in per second) whose p99 stayed under 1 s with nothing lost. */
  maxSustainablePerSecond: number | null;
  ratios: Record<string, number>;
  /** CPU of every process while the stack sits idle, before any run. */
  idle?: IdleUsage;
  /** Top self-time frames per profiled service (--cpu-prof). */
  profiles?: Record<string, string[]>;
}

const ms = (value: number) => (Number.isFinite(value) ? `${round(value, 0)}` : '–');

function row(run: ScenarioResult, label = run.name): string {
  const l = run.latencyMs;
  const cpu = Object.entries(run.processes)
    .map(([name, usage]) => `${name} ${usage.cpuPercent}% / ${usage.peakRssMb} MB`)
    .join('; ');
  return `| ${label} | ${run.clients} | ${run.roomSize} | ${run.offeredPerSecond} | ${run.messagesInPerSecond} | ${run.deliveriesPerSecond} | ${ms(l.p50)} | ${ms(l.p95)} | ${ms(l.p99)} | ${ms(l.max)} | ${run.errors} | ${run.lost} | ${run.duplicated} | ${cpu} |`;
}

export function markdown(report: BenchReport): string {
  const header =
    '| run | clients | room size | offered msg/s | in msg/s | deliveries/s | p50 ms | p95 ms | p99 ms | max ms | errors | lost | duplicated | CPU / peak RSS per process |\n' +
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |';
  const lines = [
    `# Parley end-to-end benchmark — ${report.startedAt}`,
    '',
    `Machine: ${report.machine.cpus} cores, ${report.machine.memoryGb} GB, Node ${report.machine.node}. ` +
      `Messages of ${String(report.settings.messageBytes)} bytes, each client sends ${String(report.settings.ratePerClient)}/s; ` +
      'latency is from send to each recipient; "lost" counts acked messages an expected recipient never got.',
    '',
    '## Pipeline (gateway → Service Bus → chat-worker → Table Storage → notifier → SignalR)',
    '',
    header,
    ...report.runs.map((run) => row(run)),
    '',
    '## Baseline (the SignalR emulator with a trivial in-process echo upstream)',
    '',
    header,
    ...report.baseline.map((run) => row(run, `${run.name} (baseline)`)),
    '',
    '## Ramp (rooms of 10)',
    '',
    header,
    ...report.ramp.map((run) => row(run, `${run.offeredPerSecond}/s`)),
    '',
    `Highest sustainable load (p99 < 1 s, nothing lost): **${report.maxSustainablePerSecond ?? 'none of the steps'}${report.maxSustainablePerSecond ? ' messages in per second' : ''}**.`,
    '',
    'p99 ms of the messages sent in each second of a ramp step (a warm-up or a growing backlog shows as a slope):',
    '',
    ...report.ramp.map((run) => `- ${run.offeredPerSecond}/s: ${(run.latencyBySendSecond ?? []).map((s) => ms(s.p99)).join(' ')}`),
    '',
    '## Cost per message in (CPU ms of each process over the run and its drain, ÷ messages in)',
    '',
    ...costTable([...report.runs.map((run) => ({ label: run.name, run })), ...report.ramp.map((run) => ({ label: `${run.offeredPerSecond}/s`, run }))]),
    '',
    ...idleLines(report.idle),
    ...Object.entries(report.profiles ?? {}).flatMap(([name, frames]) => [`## CPU profile: ${name} (top self time)`, '', ...frames, '']),
    '## Ratios (pipeline ÷ baseline, same run)',
    '',
    ...Object.entries(report.ratios).map(([name, value]) => `- ${name}: ${value}`),
    '',
  ];
  return lines.join('\n');
}

/** A self-contained HTML page with an SVG chart of latency against offered load. */
export function chart(report: BenchReport): string {
  const points = report.ramp.filter((run) => Number.isFinite(run.latencyMs.p99));
  const width = 640;
  const height = 360;
  const pad = 50;
  const maxX = Math.max(1, ...points.map((p) => p.offeredPerSecond));
  const maxY = Math.max(1000, ...points.map((p) => p.latencyMs.p99));
  const x = (v: number) => pad + (v / maxX) * (width - 2 * pad);
  const y = (v: number) => height - pad - (v / maxY) * (height - 2 * pad);
  const line = (pick: (run: ScenarioResult) => number, color: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((p) => `${x(p.offeredPerSecond)},${y(pick(p))}`).join(' ')}"/>` +
    points.map((p) => `<circle cx="${x(p.offeredPerSecond)}" cy="${y(pick(p))}" r="3" fill="${color}"/>`).join('');
  const limit = `<line x1="${pad}" x2="${width - pad}" y1="${y(1000)}" y2="${y(1000)}" stroke="#c33" stroke-dasharray="4"/><text x="${width - pad}" y="${y(1000) - 4}" text-anchor="end" fill="#c33" font-size="11">1 s</text>`;
  return `<!doctype html><meta charset="utf-8"><title>Parley: latency against load</title>
<h1 style="font:600 18px sans-serif">Parley: end-to-end latency against load (rooms of 10), ${report.startedAt}</h1>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif">
<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#333"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${height - pad}" stroke="#333"/>
<text x="${width / 2}" y="${height - 12}" text-anchor="middle" font-size="12">messages in per second (offered)</text>
<text x="14" y="${height / 2}" transform="rotate(-90 14 ${height / 2})" text-anchor="middle" font-size="12">latency, ms</text>
<text x="${pad}" y="${height - pad + 14}" font-size="10" text-anchor="middle">0</text><text x="${width - pad}" y="${height - pad + 14}" font-size="10" text-anchor="middle">${maxX}</text>
<text x="${pad - 4}" y="${pad}" font-size="10" text-anchor="end">${round(maxY, 0)}</text>
${limit}${line((r) => r.latencyMs.p99, '#d2691e')}${line((r) => r.latencyMs.p50, '#2a6fbb')}
<text x="${pad + 10}" y="${pad + 10}" fill="#d2691e" font-size="12">p99</text><text x="${pad + 50}" y="${pad + 10}" fill="#2a6fbb" font-size="12">p50</text>
</svg>`;
}

export async function writeReport(report: BenchReport, directory: string): Promise<string[]> {
  await mkdir(directory, { recursive: true });
  const files = {
    'latest.json': `${JSON.stringify(report, null, 2)}\n`,
    'latest.md': markdown(report),
    'latest.html': chart(report),
  };
  for (const [name, content] of Object.entries(files)) await writeFile(join(directory, name), content);
  return Object.keys(files).map((name) => join(directory, name));
}
