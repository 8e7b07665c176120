import type { ServiceBusMessage } from '@azure/service-bus';
import type { ChatEventType } from '@parley/contracts';
import { inRange, type TimeRange } from '../range.js';
import { rebuildMessage, type ReplayOptions, type StoredEvent } from './replay-message.js';
import { sendBySession, type BatchSender } from './send.js';

export interface ReplayStats {
  /** Events of the range (and hub) found in the log. */
  read: number;
  /** Sent to the bus (0 on a dry run). */
  sent: number;
  /** Read but not sent: another type, or an envelope that no longer validates. */
  skipped: number;
  /** What a dry run would have sent. */
  wouldSend: number;
}

export interface PipelineOptions extends ReplayOptions {
  /** Undefined on a dry run: nothing is sent. */
  readonly sender: BatchSender | undefined;
  readonly hub?: string | undefined;
  readonly range?: TimeRange | undefined;
  readonly types?: ReadonlySet<ChatEventType> | undefined;
  readonly onSkip: (reason: string) => void;
  /** Messages buffered before a flush; one flush sends them grouped by session. */
  readonly flushEvery?: number;
}

/**
 * Filters rows of the event log, turns them into replay messages and sends
 * them in order per session. Rows must arrive in log order (per hour bucket,
 * by event id); a flush completes before the next rows are buffered, so the
 * order of each user's events survives.
 */
export class ReplayPipeline {
  readonly stats: ReplayStats = { read: 0, sent: 0, skipped: 0, wouldSend: 0 };
  private buffer: ServiceBusMessage[] = [];

  constructor(private readonly options: PipelineOptions) {}

  async add(row: StoredEvent): Promise<void> {
    const { hub, range, types } = this.options;
    if (hub !== undefined && row.hub !== hub) return;
    if (range && !(typeof row.receivedAt === 'string' && inRange(range, new Date(row.receivedAt)))) return;
    this.stats.read += 1;
    if (types && typeof row.type === 'string' && !types.has(row.type as ChatEventType)) {
      this.stats.skipped += 1;
      return;
    }
    const rebuilt = rebuildMessage(row, this.options);
    if (!rebuilt.ok) {
      this.stats.skipped += 1;
      this.options.onSkip(rebuilt.reason);
      return;
    }
    if (types && !types.has(rebuilt.event.type)) {
      this.stats.skipped += 1;
      return;
    }
    if (!this.options.sender) {
      this.stats.wouldSend += 1;
      return;
    }
    this.buffer.push(rebuilt.message);
    if (this.buffer.length >= (this.options.flushEvery ?? 500)) await this.flush();
  }

  async flush(): Promise<void> {
    const messages = this.buffer;
    this.buffer = [];
    if (messages.length === 0 || !this.options.sender) return;
    await sendBySession(this.options.sender, messages, (count) => {
      this.stats.sent += count;
    });
  }
}
