import { describe, expect, it } from 'vitest';
import { UserNames } from './user-names.js';

describe('UserNames', () => {
  it('reads a name once, then answers from what it holds until the hold ends', async () => {
    let now = 0;
    const names = new UserNames(1_000, 10, () => now);
    const reads: string[] = [];
    const load = (name: string) => async () => {
      reads.push(name);
      return name;
    };
    expect(await names.nameOf('hub', 'ann', load('Ann'))).toBe('Ann');
    expect(await names.nameOf('hub', 'ann', load('Ann B'))).toBe('Ann');
    now = 1_000;
    expect(await names.nameOf('hub', 'ann', load('Ann B'))).toBe('Ann B');
    expect(reads).toEqual(['Ann', 'Ann B']);
  });

  it('holds "no name" as an answer, not as a miss', async () => {
    const names = new UserNames(1_000, 10, () => 0);
    let reads = 0;
    const load = async () => {
      reads += 1;
      return undefined;
    };
    expect(await names.nameOf('hub', 'bob', load)).toBeUndefined();
    expect(await names.nameOf('hub', 'bob', load)).toBeUndefined();
    expect(reads).toBe(1);
  });

  it('answers with a name it was told without reading, per hub', async () => {
    const names = new UserNames(1_000, 10, () => 0);
    names.remember('hub', 'cy', 'Cy');
    const unexpected = async () => {
      throw new Error('read although the name was told');
    };
    expect(await names.nameOf('hub', 'cy', unexpected)).toBe('Cy');
    expect(await names.nameOf('other', 'cy', async () => 'Cy elsewhere')).toBe('Cy elsewhere');
  });
});
