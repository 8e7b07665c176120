import type { ResilientClient } from './resilient-client.js';

let asked = 0;

/**
 * Pages back through a room's history as a reconnected page would and counts
 * each `from/clientId`: 1 is stored once, 2 is a duplicate row. A request waits
 * behind the connection's earlier frames, so a backlog after a fault delays it.
 */
export async function readConversation(client: ResilientClient, room: string, maxPages = 100): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let before: string | null = null;
  for (let page = 0; page < maxPages; page++) {
    const id = `history-${asked++}-${Date.now()}`;
    const answer = await client.ask({ type: 'history', id, room, limit: 100, ...(before ? { before } : {}) }, (f) => f.type === 'history' && f.id === id, 90_000);
    for (const message of answer.messages as Array<{ from: string; clientId: string }>) {
      const key = `${message.from}/${message.clientId}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    before = answer.next as string | null;
    if (!before) break;
  }
  return counts;
}
