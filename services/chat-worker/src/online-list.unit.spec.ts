import { describe, expect, it } from 'vitest';
import { ONLINE_LIST_LIMIT } from '@parley/contracts';
import { OnlineList } from './online-list.js';

describe('OnlineList', () => {
  it('reads a small hub fresh at every connect', async () => {
    let reads = 0;
    const list = new OnlineList(2_000, () => 0);
    const load = async () => [`u${++reads}`];
    expect(await list.read('chat', load)).toEqual(['u1']);
    expect(await list.read('chat', load)).toEqual(['u2']);
  });

  it('reuses the read of a big hub (a sample anyway) for the hold, then reads again', async () => {
    let clock = 0;
    let reads = 0;
    const list = new OnlineList(2_000, () => clock);
    const load = async () => {
      reads += 1;
      return Array.from({ length: ONLINE_LIST_LIMIT }, (_, i) => `u${i}`);
    };
    await list.read('chat', load);
    clock = 1_999;
    await list.read('chat', load);
    expect(reads).toBe(1);
    // Another hub has its own.
    await list.read('other', load);
    expect(reads).toBe(2);
    clock = 2_000;
    await list.read('chat', load);
    expect(reads).toBe(3);
  });
});
