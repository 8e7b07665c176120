import { Pool, type Dispatcher } from 'undici';

export interface Summary {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export type RequestFactory = (i: number) => Dispatcher.RequestOptions;
/** True when the answer is what a healthy target gives. */
export type Check = (status: number, body: string) => boolean;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summarize(latencies: number[], errors: number, seconds: number): Summary {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
  };
}

async function fire(pool: Pool, options: Dispatcher.RequestOptions, check: Check): Promise<boolean> {
  try {
    const response = await pool.request(options);
    return check(response.statusCode, await response.body.text());
  } catch {
    return false;
  }
}

/** As fast as it goes: `concurrency` workers, each sending the next request when the last one answered. */
export async function closedLoop(origin: string, make: RequestFactory, check: Check, seconds: number, concurrency: number): Promise<Summary> {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        if (!(await fire(pool, make(next++), check))) errors++;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  return summarize(latencies, errors, elapsed);
}

/**
 * A fixed arrival rate (open loop). Latency is counted from when a request was
 * due, not when it left, so a stalled target cannot hide its queueing delay.
 */
export async function fixedRate(origin: string, make: RequestFactory, check: Check, seconds: number, rate: number): Promise<Summary> {
  const pool = new Pool(origin, { connections: 256, pipelining: 1 });
  const latencies: number[] = [];
  const inflight: Promise<void>[] = [];
  let errors = 0;
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const started = performance.now();
  for (let sent = 0; sent < total; ) {
    const now = performance.now();
    while (sent < total && started + sent * interval <= now) {
      const due = started + sent * interval;
      inflight.push(
        fire(pool, make(sent), check).then((ok) => {
          if (!ok) errors++;
          latencies.push(performance.now() - due);
        }),
      );
      sent++;
    }
    await sleep(1);
  }
  await Promise.all(inflight);
  const elapsed = (performance.now() - started) / 1000;
  await pool.close();
  return summarize(latencies, errors, elapsed);
}
