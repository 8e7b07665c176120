import { describe, expect, it } from 'vitest';
import { keyPart, type DirectoryEntity, type RoomVisibility } from '@parley/contracts';
import { rowChanges } from './entities.js';
import { copyToDirectory, keyPrefixEnd, type DirectoryCopyIo } from './moderation-rows.js';

describe('directory keys and copies', () => {
  it('given an encoded prefix, then the end of its range is the least key past every key that starts with it', () => {
    expect(keyPrefixEnd('de')).toBe('df');
    expect(keyPrefixEnd(keyPart('a b'))).toBe('a%20c');
    // `~` is the greatest character of an encoded key: "a~" ends where "a" does.
    expect(keyPrefixEnd('a~')).toBe('b');
    expect(keyPrefixEnd('~~')).toBeUndefined();
    expect(keyPrefixEnd('')).toBeUndefined();
    for (const name of ['de', 'dev', 'de~x', 'de%20x']) expect(name >= 'de' && name < keyPrefixEnd('de')!).toBe(true);
    expect('df' < keyPrefixEnd('de')!).toBe(false);
  });

  /** A room row and its directory entry in memory, with ETags, and a hook that runs a rival step between a copy's reads and its write. */
  function memory(members: number, visibility: RoomVisibility = 'public') {
    const room = { members, visibility };
    let entry: { members: number; etag: string } | undefined;
    let n = 0;
    let between: (() => Promise<void>) | undefined;
    const conflict = (status: number) => Object.assign(new Error(String(status)), { statusCode: status });
    const io: DirectoryCopyIo = {
      readEntry: async () => entry?.etag,
      readRoom: async () => {
        const seen = { ...room };
        const rival = between;
        between = undefined;
        await rival?.();
        return seen;
      },
      insert: async (entity: DirectoryEntity) => {
        if (entry) throw conflict(409);
        entry = { members: entity.members, etag: `e${++n}` };
      },
      replace: async (entity: DirectoryEntity, etag: string) => {
        if (!entry || entry.etag !== etag) throw conflict(412);
        entry = { members: entity.members, etag: `e${++n}` };
      },
    };
    return { io, room, entry: () => entry, meanwhile: (step: () => Promise<void>) => (between = step) };
  }
  const keys = { partitionKey: 'chat', rowKey: 'dev' };

  it('given a public room, then its entry holds the room row\'s count; a private one gets none', async () => {
    const open = memory(3);
    await copyToDirectory(open.io, keys, 'dev');
    expect(open.entry()).toMatchObject({ members: 3 });
    const hidden = memory(3, 'private');
    await copyToDirectory(hidden.io, keys, 'plans');
    expect(hidden.entry()).toBeUndefined();
  });

  it('given a newer count copied between a copy\'s reads and its write, then the stale write fails its ETag and the entry keeps the room\'s count', async () => {
    const state = memory(4);
    await copyToDirectory(state.io, keys, 'dev');
    // A copy reads 4; meanwhile the room changes to 5 and that change's copy lands first.
    state.meanwhile(async () => {
      state.room.members = 5;
      await copyToDirectory(state.io, keys, 'dev');
    });
    await copyToDirectory(state.io, keys, 'dev');
    expect(state.entry()).toMatchObject({ members: 5 });
  });

  it('given a failure that is not a lost race, then it is thrown (the event is retried)', async () => {
    const io: DirectoryCopyIo = {
      readEntry: async () => undefined,
      readRoom: async () => ({ members: 1, visibility: 'public' }),
      insert: async () => Promise.reject(Object.assign(new Error('boom'), { statusCode: 500 })),
      replace: async () => undefined,
    };
    await expect(copyToDirectory(io, keys, 'dev')).rejects.toThrow('boom');
  });
});

describe('member rows', () => {
  it('given a membership that keeps a running mute, then its member row has the mute and no voice row comes with it', () => {
    const base = { kind: 'putMember', hub: 'chat', room: 'dev', user: 'bob', joinedAt: 't', eventId: 'E' } as const;
    expect(rowChanges(base).map((change) => change.op !== 'delete' && change.entity.rowKey)).toEqual(['~member:bob', '~voice:bob', 'dev']);
    const muted = rowChanges({ ...base, mutedUntil: '2030-01-01T00:00:00.000Z' });
    expect(muted.map((change) => change.op !== 'delete' && change.entity.rowKey)).toEqual(['~member:bob', 'dev']);
    expect(muted[0]).toMatchObject({ entity: { mutedUntil: '2030-01-01T00:00:00.000Z' } });
  });
});
