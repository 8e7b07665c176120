import type { ScenarioResult } from './scenario.js';

/** Our three services: the issue's CPU budget per room message is about them. */
export const SERVICES = ['gateway', 'chat-worker', 'notifier'] as const;

export interface IdleUsage {
  seconds: number;
  /** How long the stack sat after ready before the measurement began. */
  settleSeconds: number;
  loadAverage: [number, number];
  /** Percent of one core per process while nobody is connected. */
  cpuPercent: Record<string, number>;
}

const fixed = (value: number | undefined | null, digits = 2) => (value === undefined || value === null || !Number.isFinite(value) ? '–' : value.toFixed(digits));

/** One line per run: CPU ms per message in for each process, the services' sum, table round trips and bus operations. */
export function costTable(runs: readonly { label: string; run: ScenarioResult }[]): string[] {
  const names = [...new Set(runs.flatMap(({ run }) => Object.keys(run.cpuMsPerMessage ?? {})))];
  const ordered = [...SERVICES.filter((name) => names.includes(name)), ...names.filter((name) => !(SERVICES as readonly string[]).includes(name))];
  const header = `| run | in msg/s | load avg (start → end) | ${ordered.map((name) => `${name} ms`).join(' | ')} | services ms | table round trips per event | bus ops per message |`;
  const rule = `| --- | ---: | --- | ${ordered.map(() => '---:').join(' | ')} | ---: | --- | ---: |`;
  const lines = runs.map(({ label, run }) => {
    const cpu = run.cpuMsPerMessage ?? {};
    const services = SERVICES.reduce((sum, name) => sum + (cpu[name] ?? 0), 0);
    const trips = Object.entries(run.counts?.tableRoundTripsPerEvent ?? {})
      .map(([type, value]) => `${type} ${value}`)
      .join(', ');
    const unreadable = run.counts?.unreadable.length ? ` (not read: ${run.counts.unreadable.join(', ')})` : '';
    const load = run.loadAverage ? `${fixed(run.loadAverage[0])} → ${fixed(run.loadAverage[1])}` : '–';
    return `| ${label} | ${run.messagesInPerSecond} | ${load} | ${ordered.map((name) => fixed(cpu[name])).join(' | ')} | ${fixed(services)} | ${trips || '–'} | ${fixed(run.counts?.busOperationsPerMessage)}${unreadable} |`;
  });
  return [header, rule, ...lines];
}

export function idleLines(idle: IdleUsage | undefined): string[] {
  if (!idle) return [];
  const entries = Object.entries(idle.cpuPercent);
  const stack = entries.filter(([name]) => name !== 'load-generator').reduce((sum, [, value]) => sum + value, 0);
  return [
    `## At rest (nobody connected, ${idle.seconds} s after a ${idle.settleSeconds} s settle, load average ${fixed(idle.loadAverage[0])} → ${fixed(idle.loadAverage[1])})`,
    '',
    `| ${entries.map(([name]) => name).join(' | ')} | whole stack |`,
    `| ${entries.map(() => '---:').join(' | ')} | ---: |`,
    `| ${entries.map(([, value]) => `${fixed(value, 1)} %`).join(' | ')} | ${fixed(stack, 1)} % of a core |`,
    '',
  ];
}
