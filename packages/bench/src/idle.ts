import { loadavg } from 'node:os';
import type { IdleUsage } from './cost-report.js';
import { ResourceMonitor } from './resources.js';

/** CPU of each process while the stack sits with nobody connected (the "cheap at rest"). */
export async function measureIdle(pids: Record<string, number>, seconds: number): Promise<IdleUsage> {
  const startLoad = loadavg()[0]!;
  const monitor = new ResourceMonitor(pids);
  await monitor.start();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const usage = await monitor.stop();
  return {
    seconds,
    loadAverage: [Math.round(startLoad * 100) / 100, Math.round(loadavg()[0]! * 100) / 100],
    cpuPercent: Object.fromEntries(Object.entries(usage).map(([name, value]) => [name, value.cpuPercent])),
  };
}
