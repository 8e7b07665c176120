import { loadavg } from 'node:os';
import type { IdleUsage } from './cost-report.js';
import { ResourceMonitor } from './resources.js';

/**
 * Start-up tails are not rest: modules the SDKs load on first use, the loader's compile cache,
 * the first session accepts and the GC of start-up garbage run for a few seconds after ready.
 */
export const IDLE_SETTLE_SECONDS = 10;

/** CPU of each process while the stack sits with nobody connected (the "cheap at rest"), after it settled. */
export async function measureIdle(pids: Record<string, number>, seconds: number): Promise<IdleUsage> {
  await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_SECONDS * 1000));
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
