import { expect, it } from 'vitest';
import { ChatClient } from '@parley/stack';
import { fresh, storedIds, type HostileContext } from './harness.js';

/**
 * The same `(user, id)` sent at once on two connections of one user, the
 * second while the first is still in flight: both are acked (each was
 * accepted durably), and the message is stored once and shown once. Markers
 * from both connections prove both events were handled before counting.
 */
export function raceCases(ctx: HostileContext, rounds = 5): void {
  it(`a (user, id) sent concurrently on two connections is stored and delivered once (${rounds} rounds)`, { timeout: 120_000 }, async () => {
    const user = fresh('racer');
    const [first, second] = await Promise.all([ChatClient.connect(ctx.stack.gatewayUrl, user), ChatClient.connect(ctx.stack.gatewayUrl, user)]);
    for (let round = 0; round < rounds; round++) {
      const id = fresh('race');
      const frame = { type: 'send', id, text: `race ${round}` } as const;
      const acks = await Promise.all([first!.request(frame), second!.request(frame)]);
      expect(acks.map((ack) => ack.ok)).toEqual([true, true]);
      const markers = [fresh('after-race'), fresh('after-race')];
      await Promise.all([first!.request({ type: 'send', id: markers[0]!, text: 'marker' }), second!.request({ type: 'send', id: markers[1]!, text: 'marker' })]);
      for (const marker of markers) await ctx.watcher.waitFor((f) => f.type === 'message' && f.clientId === marker && f.from === user);
      const shown = ctx.watcher.rawMessages().filter((f) => f.clientId === id && f.from === user);
      expect(new Set(shown.map((f) => f.id)).size, 'distinct server ids shown').toBe(1);
      expect(shown, 'frames shown').toHaveLength(1);
      const stored = (await storedIds(ctx.watcher, {})).filter((clientId) => clientId === id);
      expect(stored, 'rows in history').toHaveLength(1);
    }
    await Promise.all([first!.close(), second!.close()]);
  });
}
