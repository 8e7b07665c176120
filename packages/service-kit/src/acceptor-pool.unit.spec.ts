import { describe, expect, it } from 'vitest';
import { AcceptorPool } from './acceptor-pool.js';

describe('AcceptorPool', () => {
  it('given an idle consumer, then only the minimum of accepts wait at the broker', () => {
    let spawned = 0;
    new AcceptorPool({ min: 2, max: 8, slots: 64 }, () => spawned++).start();
    expect(spawned).toBe(2);
  });

  it('given accepts that find sessions, then acceptors grow up to max; empty accepts shrink them back to min', () => {
    let spawned = 0;
    const pool = new AcceptorPool({ min: 2, max: 4, slots: 64 }, () => spawned++);
    pool.start();
    for (let i = 0; i < 5; i++) pool.accepted();
    expect(pool.counts()).toEqual({ acceptors: 4, held: 5 });
    expect([pool.retireIfExtra(), pool.retireIfExtra(), pool.retireIfExtra()]).toEqual([true, true, false]);
    expect(pool.counts().acceptors).toBe(2);
    expect(spawned).toBe(4);
  });

  it('given every slot taken, then an acceptor waits for a session to be given back before accepting again', async () => {
    const pool = new AcceptorPool({ min: 1, max: 2, slots: 2 }, () => undefined);
    pool.start();
    pool.accepted();
    pool.accepted(); // held 2 + 1 acceptor > 2 slots
    let roomed = false;
    const waiting = pool.room().then(() => (roomed = true));
    await Promise.resolve();
    expect(roomed).toBe(false);
    pool.released();
    await waiting;
    expect(roomed).toBe(true);
  });
});
