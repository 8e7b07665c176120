import { summarize, type LatencySummary } from './stats.js';

interface SentMessage {
  sender: number;
  sentAt: number;
  expected: number;
  acked: boolean;
}

export interface RunFigures {
  messagesIn: number;
  messagesInPerSecond: number;
  deliveries: number;
  deliveriesPerSecond: number;
  latencyMs: LatencySummary;
  errors: number;
  /** Acked messages an expected recipient had not received once deliveries stopped coming (drain). */
  lost: number;
  /** The same message shown twice to a client after de-duplication by server id (stored twice). */
  duplicated: number;
  /** Raw repeat deliveries of one server id to one client (de-duplicated by clients, not shown). */
  redelivered: number;
  /** p50 and p99 of the deliveries of the messages sent in each second of the run: a warm-up or a growing backlog shows here. */
  latencyBySendSecond: { second: number; count: number; p50: number; p99: number }[];
}

/** Everything one run sends and receives, keyed by the sender's message key. */
export class Recorder {
  private readonly sent = new Map<string, SentMessage>();
  private readonly receivedBy = new Map<string, Set<number>>();
  private readonly serverIds = new Map<string, Set<string>>();
  private readonly seenByClient = new Map<number, Set<string>>();
  private readonly latencies: number[] = [];
  /** When the message of each latency sample was sent (same index). */
  private readonly sentAts: number[] = [];
  private errorCount = 0;
  private redeliveries = 0;
  private deliveriesCount = 0;

  recordSend(key: string, sender: number, expected: number): void {
    this.sent.set(key, { sender, sentAt: Date.now(), expected, acked: false });
  }

  recordAck(key: string, ok: boolean): void {
    const message = this.sent.get(key);
    if (!message) return;
    if (ok) message.acked = true;
    else this.errorCount++;
  }

  recordError(): void {
    this.errorCount++;
  }

  recordDelivery(key: string, serverId: string, client: number, sentAt: number): void {
    const seen = this.seenByClient.get(client) ?? new Set<string>();
    this.seenByClient.set(client, seen);
    if (seen.has(serverId)) {
      this.redeliveries++;
      return;
    }
    seen.add(serverId);
    this.deliveriesCount++;
    this.latencies.push(Date.now() - sentAt);
    this.sentAts.push(sentAt);
    const receivers = this.receivedBy.get(key) ?? new Set<number>();
    receivers.add(client);
    this.receivedBy.set(key, receivers);
    const ids = this.serverIds.get(key) ?? new Set<string>();
    ids.add(serverId);
    this.serverIds.set(key, ids);
  }

  deliveryCount(): number {
    return this.deliveriesCount;
  }

  /** True once every acked message reached all its expected recipients. */
  complete(): boolean {
    for (const [key, message] of this.sent) {
      if (message.acked && (this.receivedBy.get(key)?.size ?? 0) < message.expected) return false;
    }
    return true;
  }

  figures(durationSeconds: number): RunFigures {
    let messagesIn = 0;
    let lost = 0;
    let duplicated = 0;
    for (const [key, message] of this.sent) {
      if (!message.acked) continue;
      messagesIn++;
      lost += Math.max(0, message.expected - (this.receivedBy.get(key)?.size ?? 0));
      duplicated += Math.max(0, (this.serverIds.get(key)?.size ?? 0) - 1);
    }
    return {
      messagesIn,
      messagesInPerSecond: Number((messagesIn / durationSeconds).toFixed(1)),
      deliveries: this.deliveriesCount,
      deliveriesPerSecond: Number((this.deliveriesCount / durationSeconds).toFixed(1)),
      latencyMs: summarize(this.latencies),
      errors: this.errorCount,
      lost,
      duplicated,
      redelivered: this.redeliveries,
      latencyBySendSecond: this.bySendSecond(),
    };
  }

  private bySendSecond(): RunFigures['latencyBySendSecond'] {
    if (this.sentAts.length === 0) return [];
    // A loop, not Math.min(...): a lobby run has 200,000 samples, past the arguments limit.
    const start = this.sentAts.reduce((min, sentAt) => Math.min(min, sentAt), Infinity);
    const seconds = new Map<number, number[]>();
    this.sentAts.forEach((sentAt, i) => {
      const second = Math.floor((sentAt - start) / 1000);
      const samples = seconds.get(second) ?? [];
      samples.push(this.latencies[i]!);
      seconds.set(second, samples);
    });
    return [...seconds.entries()]
      .sort(([a], [b]) => a - b)
      .map(([second, samples]) => {
        const { count, p50, p99 } = summarize(samples);
        return { second, count, p50, p99 };
      });
  }
}
