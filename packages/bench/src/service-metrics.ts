import { difference, parsePrometheus, total, type Sample } from './prom-text.js';

/** Where a service's /metrics lives: the stack's ops URL when it has one, else the service's own port. */
export interface MetricsSource {
  readonly ports: Readonly<Record<string, number>>;
  opsUrl?(component: string): string;
}

export const SCRAPED = ['gateway', 'chat-worker', 'notifier'] as const;
type Scraped = (typeof SCRAPED)[number];
export type Scrape = Partial<Record<Scraped, Sample[]>>;

/** What one phase cost in requests, from the services' own counters (scraped before and after it). */
export interface PhaseCounts {
  /** Table round trips per handled event, by worker event type (`message.send`, `chat.connected`, …). */
  tableRoundTripsPerEvent: Record<string, number>;
  /** Bus operations (sends, session accepts, receives, settlements) per message in, and their split by service; an unreadable service is left out. */
  busOperationsPerMessage: number | null;
  busOperations: Record<string, number>;
  /** Services whose /metrics could not be read (their figures are missing, not zero). */
  unreadable: string[];
}

async function scrapeOne(url: string): Promise<Sample[] | undefined> {
  try {
    const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    return response.ok ? parsePrometheus(await response.text()) : undefined;
  } catch {
    return undefined;
  }
}

export async function scrape(source: MetricsSource): Promise<Scrape> {
  const result: Scrape = {};
  await Promise.all(
    SCRAPED.map(async (name) => {
      const url = source.opsUrl ? source.opsUrl(name) : `http://127.0.0.1:${source.ports[name]}`;
      const samples = await scrapeOne(url);
      if (samples) result[name] = samples;
    }),
  );
  return result;
}

/** Bus operations of a consumer: counted ones when the consumer counts them, else receive + settle per handled message. */
function consumerOperations(delta: readonly Sample[]): number {
  const counted = total(delta, 'parley_consumer_bus_operations_total');
  return counted > 0 ? counted : 2 * total(delta, 'parley_consumer_messages_total');
}

export function phaseCounts(before: Scrape, after: Scrape, messagesIn: number): PhaseCounts {
  const delta: Scrape = {};
  const unreadable: string[] = [];
  for (const name of SCRAPED) {
    const [from, to] = [before[name], after[name]];
    if (from && to) delta[name] = difference(from, to);
    else unreadable.push(name);
  }
  const tableRoundTripsPerEvent: Record<string, number> = {};
  const worker = delta['chat-worker'];
  if (worker) {
    const types = new Set(worker.filter((s) => s.name === 'parley_worker_events_total' && s.value > 0).map((s) => s.labels.type!));
    for (const type of [...types].sort()) {
      const events = total(worker, 'parley_worker_events_total', { type });
      tableRoundTripsPerEvent[type] = Number((total(worker, 'parley_worker_table_requests_total', { type }) / events).toFixed(2));
    }
  }
  const busOperations: Record<string, number> = {};
  if (delta.gateway) busOperations['gateway sends'] = total(delta.gateway, 'parley_gateway_bus_send_seconds_count');
  if (worker) {
    busOperations['chat-worker consumer'] = consumerOperations(worker);
    busOperations['chat-worker sends'] = total(worker, 'parley_worker_bus_sends_total');
  }
  if (delta.notifier) busOperations['notifier consumer'] = consumerOperations(delta.notifier);
  const sum = Object.values(busOperations).reduce((a, b) => a + b, 0);
  return {
    tableRoundTripsPerEvent,
    busOperationsPerMessage: messagesIn > 0 && worker ? Number((sum / messagesIn).toFixed(2)) : null,
    busOperations,
    unreadable,
  };
}
