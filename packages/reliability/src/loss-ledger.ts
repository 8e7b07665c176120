/**
 * The fault suite's accounting, pure: what was sent, acked, refused, shown
 * live and stored, turned into the four loss counts per fault window.
 * Every count must be 0; the report prints them side by side.
 */

/** One frame the traffic sent, keyed `sender/clientId`. */
export interface SentFrame {
  readonly key: string;
  readonly sentAt: number;
  readonly ackedAt?: number;
  /** A refusal that ended the frame (an error ack the client does not retry, or a chat rule's `error` frame). */
  readonly refusedWith?: string;
}

/** One live `message` frame as a member's socket received it. */
export interface LiveDelivery {
  readonly member: string;
  readonly key: string;
  readonly serverId: string;
}

/** One WebSocket connection of a member: from its open to its close (undefined while open). */
export interface Epoch {
  readonly member: string;
  readonly from: number;
  readonly to?: number;
}

/** A fault's share of the run: frames sent in [from, to) count for it. */
export interface FaultWindow {
  readonly name: string;
  readonly from: number;
  readonly to: number;
}

export interface LossCounts {
  acked: number;
  /** Acked, and not in history. */
  missingFromHistory: number;
  /** Acked, and never shown live to a member whose one connection lasted from the send until `liveGraceMs` after the ack. */
  missedLive: number;
  /** Stored more than once, or shown live under two different server ids (two events for one `(user, id)`). */
  duplicates: number;
  /** Refused for a reason that is not the sender's fault (anything but its own pace). */
  refusedNotSenderFault: number;
  /** Same server id delivered again: at-least-once redelivery that the page drops by design; a figure, not a loss. */
  redeliveries: number;
}

export interface LedgerInput {
  readonly frames: readonly SentFrame[];
  readonly live: readonly LiveDelivery[];
  readonly epochs: readonly Epoch[];
  readonly members: readonly string[];
  /** How often each key is in the conversation's history. */
  readonly stored: ReadonlyMap<string, number>;
  readonly windows: readonly FaultWindow[];
  /** How long after its ack a message may take to be shown (a restarted worker or notifier catching up). */
  readonly liveGraceMs: number;
  /** When the run stopped watching: a connection still open then lasted "throughout". */
  readonly endedAt: number;
  /** Refusals that are the sender's own doing (its pace), not losses. */
  readonly senderFaults: ReadonlySet<string>;
}

export const emptyCounts = (): LossCounts => ({ acked: 0, missingFromHistory: 0, missedLive: 0, duplicates: 0, refusedNotSenderFault: 0, redeliveries: 0 });

export function countLosses(input: LedgerInput): Map<string, LossCounts> {
  const rows = new Map(input.windows.map((window) => [window.name, emptyCounts()]));
  const rowOf = (at: number) => {
    const window = input.windows.find((w) => at >= w.from && at < w.to);
    return window ? rows.get(window.name) : undefined;
  };
  const liveByKey = new Map<string, LiveDelivery[]>();
  for (const delivery of input.live) {
    const list = liveByKey.get(delivery.key) ?? [];
    list.push(delivery);
    liveByKey.set(delivery.key, list);
  }

  for (const frame of input.frames) {
    const row = rowOf(frame.sentAt);
    if (!row) continue;
    if (frame.refusedWith !== undefined && !input.senderFaults.has(frame.refusedWith)) row.refusedNotSenderFault++;
    if (frame.ackedAt === undefined) continue;
    row.acked++;
    const stored = input.stored.get(frame.key) ?? 0;
    if (stored === 0) row.missingFromHistory++;
    const deliveries = liveByKey.get(frame.key) ?? [];
    const serverIds = new Set(deliveries.map((d) => d.serverId));
    if (stored > 1 || serverIds.size > 1) row.duplicates++;
    for (const member of input.members) {
      const mine = deliveries.filter((d) => d.member === member);
      row.redeliveries += Math.max(0, mine.length - new Set(mine.map((d) => d.serverId)).size);
      if (mine.length > 0) continue;
      const until = Math.min(frame.ackedAt + input.liveGraceMs, input.endedAt);
      const throughout = input.epochs.some((e) => e.member === member && e.from <= frame.sentAt && (e.to ?? Infinity) >= until);
      if (throughout) row.missedLive++;
    }
  }
  return rows;
}

export const totalLosses = (counts: LossCounts): number =>
  counts.missingFromHistory + counts.missedLive + counts.duplicates + counts.refusedNotSenderFault;
