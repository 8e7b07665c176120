import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@parley/testkit';
import type { ComponentName, Stack } from '@parley/stack';
import { startTestStack } from '@parley/stack/e2e';
import { ResilientClient } from './resilient-client.js';
import { reportRow } from './report.js';

const FAULTS: ComponentName[] = ['gateway', 'chat-worker', 'notifier', 'servicebus', 'azurite', 'signalr'];
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Window {
  component: ComponentName;
  from: number;
  to: number;
  survived: boolean;
}

describe('kill -9 one component at a time under steady chat traffic', () => {
  let stack: Stack;
  let cleanup: () => Promise<void>;
  const room = `faults-${process.pid}`;
  const members: ResilientClient[] = [];
  const sentAt = new Map<string, number>();
  const windows: Window[] = [];
  let traffic: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    ({ stack, cleanup } = await startTestStack({ inMemory: false }));
    for (const name of ['fault-alice', 'fault-bob', 'fault-carol']) {
      const client = new ResilientClient(name, () => stack.gatewayUrl);
      await client.connect();
      await client.ask({ type: 'join', id: `join-${name}`, room }, (f) => f.type === 'room' && f.room === room && f.user === name);
      members.push(client);
    }
    let seq = 0;
    traffic = setInterval(() => {
      const sender = members[seq % members.length]!;
      const id = `${sender.user}-${seq++}`;
      sentAt.set(`${sender.user}/${id}`, Date.now());
      sender.send({ type: 'send', id, room, text: `steady ${id}` });
    }, 100);
  });

  afterAll(async () => {
    clearInterval(traffic);
    for (const client of members) client.close();
    await cleanup?.();
  });

  const totalAcked = () => members.reduce((sum, client) => sum + client.acked.size, 0);

  for (const component of FAULTS) {
    it(`survives kill -9 of ${component}`, async () => {
      const from = Date.now();
      await eventually(() => totalAcked() > 5, 'traffic flowing', 60_000);
      await sleep(1_500);
      await stack.kill(component);
      await sleep(1_000);
      await stack.start(component);
      const before = totalAcked();
      let survived = true;
      try {
        await eventually(() => totalAcked() >= before + 15, `traffic after restarting ${component}`, 120_000);
      } catch (error) {
        survived = false;
        throw error;
      } finally {
        windows.push({ component, from, to: Date.now(), survived });
      }
    });
  }

  it('kept every acked message: in history exactly once, shown once to every member', async () => {
    clearInterval(traffic);
    await eventually(() => members.every((client) => client.pending.size === 0), 'every frame acked', 120_000);

    // Catch up as a reconnected page would: page back through the room's history.
    const history = new Map<string, Map<string, number>>();
    for (const client of members) {
      const counts = new Map<string, number>();
      let before: string | null = null;
      for (let page = 0; page < 100; page++) {
        const id = `catch-up-${page}-${Date.now()}`;
        const answer = await client.ask({ type: 'history', id, room, limit: 100, ...(before ? { before } : {}) }, (f) => f.type === 'history' && f.id === id);
        for (const message of answer.messages as Array<{ from: string; clientId: string }>) {
          const key = `${message.from}/${message.clientId}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        before = answer.next as string | null;
        if (!before) break;
      }
      history.set(client.user, counts);
    }
    await sleep(2_000);

    const acked = members.flatMap((client) => [...client.acked].filter((id) => id.startsWith(client.user)).map((id) => `${client.user}/${id}`));
    const windowOf = (key: string) => windows.find((w) => (sentAt.get(key) ?? 0) >= w.from && (sentAt.get(key) ?? 0) < w.to);
    const stats = new Map(windows.map((w) => [w.component, { acked: 0, lost: 0, duplicates: 0 }]));
    let lost = 0;
    let duplicates = 0;
    for (const key of acked) {
      const window = windowOf(key);
      const row = window ? stats.get(window.component) : undefined;
      if (row) row.acked++;
      for (const member of members) {
        const stored = history.get(member.user)?.get(key) ?? 0;
        const shownIds = [...member.shown.values()].filter((f) => `${String(f.from)}/${String(f.clientId)}` === key).length;
        // Reached the member: shown live, or found in history when it caught up.
        if (stored === 0 && shownIds === 0) {
          lost++;
          if (row) row.lost++;
        }
        if (stored > 1 || shownIds > 1) {
          duplicates++;
          if (row) row.duplicates++;
        }
      }
    }
    for (const window of windows) reportRow({ kind: 'fault', name: window.component, ok: window.survived && stats.get(window.component)!.lost === 0, ...stats.get(window.component)! });
    console.log(`acked ${acked.length}, lost ${lost}, duplicates ${duplicates}, reconnects ${members.map((m) => `${m.user}:${m.reconnects}`).join(' ')}`);
    expect(acked.length).toBeGreaterThan(100);
    expect(lost).toBe(0);
    expect(duplicates).toBe(0);
  });
});
