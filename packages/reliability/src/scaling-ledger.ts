/**
 * The scaling test's accounting, pure: what was sent, shown live to each
 * member and stored, per conversation, turned into losses, duplicates,
 * order breaks and each scale event's longest delay. The spec asserts the
 * counts are 0 and prints the delays.
 */

/** One chat message the traffic sent (a `send` frame), in the order its sender sent it. */
export interface SentMessage {
  readonly sender: string;
  readonly clientId: string;
  /** `room:<name>` or `dm:<a>|<b>`: the stream whose order every member must see. */
  readonly conversation: string;
  readonly sentAt: number;
  readonly ackedAt?: number;
}

/** One live `message` frame as a member's socket received it, in arrival order. */
export interface ShownMessage {
  readonly member: string;
  readonly conversation: string;
  readonly serverId: string;
  readonly from: string;
  readonly clientId: string;
  /** When the socket received it (for delays). */
  readonly at: number;
  /** The message's own time (`at` of its frame, ms), by which the page places it among the others. */
  readonly stampedAt: number;
}

/** One stored row of a conversation's history, oldest first. */
export interface StoredMessage {
  readonly serverId: string;
  readonly from: string;
  readonly clientId: string;
}

/** A scale event: messages first sent in [from, to] count for its delay. */
export interface ScaleEvent {
  readonly name: string;
  readonly from: number;
  readonly to: number;
}

export interface ScalingCounts {
  acked: number;
  /** Acked and missing from history, or not shown live to a member connected throughout. */
  lost: string[];
  /** A message stored twice, or shown to one member under two server ids. */
  duplicated: string[];
  /**
   * A sender's messages shown live or stored out of their send order, or a member whose
   * conversation, placed as the page places it, differs from its stored order.
   */
  outOfOrder: string[];
  /** The same server id shown twice to one member: the page shows it once. */
  redeliveries: number;
  /** Per event: the longest time from first send to shown live, over every member. */
  longestDelayMs: Array<{ event: string; messages: number; longestDelayMs: number }>;
}

const keyOf = (from: string, clientId: string) => `${from}/${clientId}`;

/** As the page places messages (web/src/lib/chat-state.ts insertLine): by time, the same millisecond as history has it. */
const byPlaceOnPage = (a: ShownMessage, b: ShownMessage) => a.stampedAt - b.stampedAt || (a.serverId < b.serverId ? 1 : a.serverId > b.serverId ? -1 : 0);

export const dmConversation = (a: string, b: string) => `dm:${[a, b].sort().join('|')}`;
export const roomConversation = (room: string) => `room:${room}`;

export function countScaling(input: {
  sent: readonly SentMessage[];
  shown: readonly ShownMessage[];
  stored: ReadonlyMap<string, readonly StoredMessage[]>;
  /** Who must see each conversation live: members connected throughout the run. */
  members: ReadonlyMap<string, readonly string[]>;
  events: readonly ScaleEvent[];
}): ScalingCounts {
  const counts: ScalingCounts = { acked: 0, lost: [], duplicated: [], outOfOrder: [], redeliveries: 0, longestDelayMs: [] };

  // Each member's first sighting of each server id, per conversation, in arrival order.
  const firstSeen = new Map<string, Map<string, ShownMessage>>();
  // And by `from/clientId`: the first sighting of each message, for losses and delays.
  const seenByKey = new Map<string, Map<string, ShownMessage>>();
  for (const shown of input.shown) {
    const stream = `${shown.member} ${shown.conversation}`;
    let seen = firstSeen.get(stream);
    if (!seen) firstSeen.set(stream, (seen = new Map<string, ShownMessage>()));
    if (seen.has(shown.serverId)) counts.redeliveries++;
    else seen.set(shown.serverId, shown);
    let byKey = seenByKey.get(stream);
    if (!byKey) seenByKey.set(stream, (byKey = new Map<string, ShownMessage>()));
    if (!byKey.has(keyOf(shown.from, shown.clientId))) byKey.set(keyOf(shown.from, shown.clientId), shown);
  }
  const shownTo = (member: string, conversation: string, key: string) => seenByKey.get(`${member} ${conversation}`)?.get(key);
  const storedKeys = new Map([...input.stored].map(([conversation, rows]) => [conversation, new Set(rows.map((row) => keyOf(row.from, row.clientId)))]));

  for (const [conversation, rows] of input.stored) {
    const timesStored = new Map<string, number>();
    for (const row of rows) timesStored.set(keyOf(row.from, row.clientId), (timesStored.get(keyOf(row.from, row.clientId)) ?? 0) + 1);
    for (const [key, times] of timesStored) if (times > 1) counts.duplicated.push(`${conversation}: ${key} stored ${times} times`);

    // The stored order keeps each sender's send order.
    const sendOrder = new Map(input.sent.filter((m) => m.conversation === conversation).map((m, index) => [keyOf(m.sender, m.clientId), index]));
    const lastBySender = new Map<string, number>();
    for (const row of rows) {
      const index = sendOrder.get(keyOf(row.from, row.clientId));
      if (index === undefined) continue;
      if ((lastBySender.get(row.from) ?? -1) > index) counts.outOfOrder.push(`${conversation}: ${keyOf(row.from, row.clientId)} stored after a later message of ${row.from}`);
      lastBySender.set(row.from, Math.max(index, lastBySender.get(row.from) ?? -1));
    }

    // Every member gets each sender's messages live in their send order, and sees the
    // conversation in its one stored order: the page places a message by its time, so two
    // senders' messages may arrive the other way round (each user has their own bus session).
    const storedOrder = rows.map((row) => row.serverId);
    for (const member of input.members.get(conversation) ?? []) {
      const arrived = [...(firstSeen.get(`${member} ${conversation}`)?.values() ?? [])];
      const lastArrivedBySender = new Map<string, number>();
      for (const message of arrived) {
        const index = sendOrder.get(keyOf(message.from, message.clientId));
        if (index === undefined) continue;
        if ((lastArrivedBySender.get(message.from) ?? -1) > index) counts.outOfOrder.push(`${member} got ${conversation} ${keyOf(message.from, message.clientId)} live after a later message of ${message.from}`);
        lastArrivedBySender.set(message.from, Math.max(index, lastArrivedBySender.get(message.from) ?? -1));
      }
      const live = [...arrived].sort(byPlaceOnPage);
      const byKey = new Map<string, Set<string>>();
      for (const message of live) {
        const key = keyOf(message.from, message.clientId);
        byKey.set(key, (byKey.get(key) ?? new Set()).add(message.serverId));
      }
      for (const [key, ids] of byKey) if (ids.size > 1) counts.duplicated.push(`${member} saw ${conversation} ${key} under ${ids.size} server ids`);
      const liveIds = live.map((message) => message.serverId);
      const storedIds = new Set(storedOrder);
      const liveStored = liveIds.filter((id) => storedIds.has(id));
      const liveSet = new Set(liveIds);
      const storedSeen = storedOrder.filter((id) => liveSet.has(id));
      const firstBreak = liveStored.findIndex((id, i) => id !== storedSeen[i]);
      if (firstBreak >= 0) {
        const keyOfId = new Map(rows.map((row) => [row.serverId, keyOf(row.from, row.clientId)]));
        const [shownThere, storedThere] = [liveStored[firstBreak]!, storedSeen[firstBreak]!].map((id) => keyOfId.get(id));
        counts.outOfOrder.push(`${member} saw ${conversation} out of stored order at position ${firstBreak}: shown ${shownThere} where stored has ${storedThere}`);
      }
    }
  }

  for (const message of input.sent) {
    if (message.ackedAt === undefined) continue;
    counts.acked++;
    const key = keyOf(message.sender, message.clientId);
    if (!storedKeys.get(message.conversation)?.has(key)) counts.lost.push(`${message.conversation}: ${key} acked, not stored`);
    for (const member of input.members.get(message.conversation) ?? []) {
      if (!shownTo(member, message.conversation, key)) counts.lost.push(`${member}: ${message.conversation} ${key} acked, not shown live`);
    }
  }

  for (const event of input.events) {
    const during = input.sent.filter((m) => m.sentAt >= event.from && m.sentAt <= event.to);
    let longest = 0;
    for (const message of during) {
      for (const member of input.members.get(message.conversation) ?? []) {
        const shown = shownTo(member, message.conversation, keyOf(message.sender, message.clientId));
        if (shown) longest = Math.max(longest, shown.at - message.sentAt);
      }
    }
    counts.longestDelayMs.push({ event: event.name, messages: during.length, longestDelayMs: longest });
  }
  return counts;
}
