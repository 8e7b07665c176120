import { loadavg } from 'node:os';
import type { IdleUsage } from './cost-report.js';
import { ResourceMonitor } from './resources.js';

/**
 * Start-up tails are not rest: modules the SDKs load on first use, the loader's compile cache,
 * the first session accepts, and V8's memory reducer, which runs one full GC of the start-up
 * heap (100–160 ms in each service, seen in --cpu-prof) some 20–60 s after ready. Measured in
 * 10 s windows from a fresh `npm start`, the stack reaches its steady rest about 80 s after ready.
 */
export const IDLE_SETTLE_SECONDS = 90;

/** CPU of each process while the stack sits with nobody connected (the "cheap at rest"), after it settled. */
export async function measureIdle(pids: Record<string, number>, seconds: number, settleSeconds: number): Promise<IdleUsage> {
  await new Promise((resolve) => setTimeout(resolve, settleSeconds * 1000));
  const startLoad = loadavg()[0]!;
  const monitor = new ResourceMonitor(pids);
  await monitor.start();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const usage = await monitor.stop();
  return {
    seconds,
    settleSeconds,
    loadAverage: [Math.round(startLoad * 100) / 100, Math.round(loadavg()[0]! * 100) / 100],
    cpuPercent: Object.fromEntries(Object.entries(usage).map(([name, value]) => [name, value.cpuPercent])),
  };
}
