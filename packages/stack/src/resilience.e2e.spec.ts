import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@parley/testkit';
import { ChatClient } from './chat-client.js';
import { startTestStack, unique } from './e2e-setup.js';
import type { Stack } from './stack.js';

describe('restarting the chat-worker and the notifier under traffic', () => {
  let stack: Stack;
  let cleanup: () => Promise<void>;
  let sender: ChatClient;
  let receiver: ChatClient;

  beforeAll(async () => {
    // The traffic runs at ~40 frames/s from one user: lift the per-user rate limit (not under test here).
    ({ stack, cleanup } = await startTestStack({ inMemory: false, env: { gateway: { RATE_LIMIT_PER_SECOND: '500', RATE_LIMIT_BURST: '500' } } }));
    sender = await ChatClient.connect(stack.gatewayUrl, unique('sender'));
    receiver = await ChatClient.connect(stack.gatewayUrl, unique('receiver'));
    await Promise.all([sender, receiver].map((client) => client.waitFor((f) => f.type === 'state')));
  });
  afterAll(async () => {
    await sender?.close();
    await receiver?.close();
    await cleanup?.();
  });

  it('loses no acked message', async () => {
    const acked: string[] = [];
    let running = true;
    const traffic = (async () => {
      for (let i = 0; running && i < 400; i++) {
        const id = `r${i}`;
        const ack = await sender.request({ type: 'send', id, to: receiver.user, text: `resilient ${i}` }, 20_000).catch(() => undefined);
        if (ack?.ok === true) acked.push(id);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    await eventually(() => acked.length >= 20, 'traffic started', 30_000);
    await stack.restart('chat-worker', 'kill');
    await eventually(() => acked.length >= 60, 'traffic after worker restart', 30_000);
    await stack.restart('notifier', 'kill');
    await eventually(() => acked.length >= 100, 'traffic after notifier restart', 30_000);
    running = false;
    await traffic;

    // Every acked message reaches the receiver (de-duplicated by server id, as the page shows them)…
    await eventually(() => acked.every((id) => receiver.messages((f) => f.clientId === id).length === 1), 'every acked message delivered', 90_000);
    // …and is in history exactly once.
    const stored = new Map<string, number>();
    let before: string | null = null;
    do {
      const id: string = `page-${stored.size}-${before ?? 'first'}`;
      sender.send({ type: 'history', id, with: receiver.user, limit: 100, ...(before ? { before } : {}) });
      const answer = await sender.waitFor((f) => f.type === 'history' && f.id === id);
      for (const message of answer.messages as Array<{ clientId: string }>) stored.set(message.clientId, (stored.get(message.clientId) ?? 0) + 1);
      before = answer.next as string | null;
    } while (before);
    for (const id of acked) expect(stored.get(id), `history count of ${id}`).toBe(1);
    expect(acked.length).toBeGreaterThanOrEqual(100);
  });
});
