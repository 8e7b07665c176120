import { readFile } from 'node:fs/promises';

const TICKS_PER_SECOND = 100; // Linux USER_HZ

interface Sample {
  cpuTicks: number;
  rssBytes: number;
  at: number;
}

async function sample(pid: number): Promise<Sample | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuTicks = Number(fields[11]) + Number(fields[12]); // utime + stime
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return { cpuTicks, rssBytes: rssKb * 1024, at: performance.now() };
  } catch {
    return undefined;
  }
}

export interface ProcessUsage {
  cpuPercent: number;
  /** CPU time (user + system) the process spent during the phase. */
  cpuMs: number;
  peakRssMb: number;
}

/** Samples CPU time and RSS of named processes once a second between start() and stop(). */
export class ResourceMonitor {
  private first = new Map<string, Sample>();
  private last = new Map<string, Sample>();
  private peak = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pids: Record<string, number>) {}

  async start(): Promise<void> {
    await this.tick();
    this.first = new Map(this.last);
    this.timer = setInterval(() => void this.tick(), 1000);
  }

  private async tick(): Promise<void> {
    for (const [name, pid] of Object.entries(this.pids)) {
      const value = await sample(pid);
      if (!value) continue;
      this.last.set(name, value);
      this.peak.set(name, Math.max(this.peak.get(name) ?? 0, value.rssBytes));
    }
  }

  async stop(): Promise<Record<string, ProcessUsage>> {
    clearInterval(this.timer);
    await this.tick();
    const usage: Record<string, ProcessUsage> = {};
    for (const [name, end] of this.last) {
      const begin = this.first.get(name);
      if (!begin || end.at === begin.at) continue;
      const seconds = (end.at - begin.at) / 1000;
      usage[name] = {
        cpuPercent: Number((((end.cpuTicks - begin.cpuTicks) / TICKS_PER_SECOND / seconds) * 100).toFixed(1)),
        cpuMs: ((end.cpuTicks - begin.cpuTicks) * 1000) / TICKS_PER_SECOND,
        peakRssMb: Number(((this.peak.get(name) ?? 0) / 1024 / 1024).toFixed(1)),
      };
    }
    return usage;
  }
}
