import { describe, expect, it } from 'vitest';
import { AcceptorPool } from './acceptor-pool.js';

/** One accept that finds a session: reserve room, then report the session held. */
async function acceptOne(pool: AcceptorPool): Promise<void> {
  await pool.room();
  pool.accepted();
}

const settled = async (promise: Promise<unknown>): Promise<boolean> => {
  let done = false;
  void promise.then(() => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return done;
};

describe('AcceptorPool', () => {
  it('given an idle consumer, then only the minimum of accepts wait at the broker', () => {
    let spawned = 0;
    new AcceptorPool({ min: 2, max: 8, slots: 64 }, () => spawned++).start();
    expect(spawned).toBe(2);
  });

  it('given accepts that find sessions, then acceptors grow up to max; empty accepts shrink them back to min', async () => {
    let spawned = 0;
    const pool = new AcceptorPool({ min: 2, max: 4, slots: 64 }, () => spawned++);
    pool.start();
    for (let i = 0; i < 5; i++) await acceptOne(pool);
    expect(pool.counts()).toEqual({ acceptors: 4, accepting: 0, held: 5 });
    expect([pool.retireIfExtra(), pool.retireIfExtra(), pool.retireIfExtra()]).toEqual([true, true, false]);
    expect(pool.counts().acceptors).toBe(2);
    expect(spawned).toBe(4);
  });

  it('given every slot taken, then an acceptor waits for a session to be given back before accepting again', async () => {
    const pool = new AcceptorPool({ min: 1, max: 2, slots: 2 }, () => undefined);
    pool.start();
    await acceptOne(pool);
    await acceptOne(pool); // 2 held: no slot left
    const waiting = pool.room();
    expect(await settled(waiting)).toBe(false);
    pool.released();
    expect(await settled(waiting)).toBe(true);
  });

  it('given busy held sessions and more acceptors than free slots, then the free slots still get accepts (waiting acceptors hold nothing)', async () => {
    const pool = new AcceptorPool({ min: 1, max: 4, slots: 4 }, () => undefined);
    pool.start();
    for (let i = 0; i < 3; i++) await acceptOne(pool); // 3 busy sessions held by 2 acceptors' accepts
    expect(pool.counts()).toEqual({ acceptors: 2, accepting: 0, held: 3 }); // 3 + 2 > 4 slots
    const first = pool.room();
    expect(await settled(first)).toBe(true); // one partition is unheld: one accept goes out
    const second = pool.room();
    expect(await settled(second)).toBe(false); // 3 held + 1 in flight fill the 4 slots
    pool.acceptEnded(); // the accept timed out empty
    expect(await settled(second)).toBe(true);
  });
});
