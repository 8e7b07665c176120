import { describe, expect, it } from 'vitest';
import { keyPart, type DirectoryEntity } from '@parley/contracts';
import { keyPrefixEnd, writeDirectoryEntry, type DirectoryRowIo } from './moderation-rows.js';

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

  /** A directory row in memory with ETags, and a hook that lets a rival write land between a read and a write. */
  function memoryRow(initial?: { version: number }) {
    let row: { version: number; members: number; etag: string } | undefined = initial ? { ...initial, members: 0, etag: 'e0' } : undefined;
    let n = 0;
    let rival: (() => void) | undefined;
    const conflict = (status: number) => Object.assign(new Error(String(status)), { statusCode: status });
    const io: DirectoryRowIo = {
      read: async () => {
        const seen = row && { version: row.version, etag: row.etag };
        rival?.();
        rival = undefined;
        return seen;
      },
      insert: async (entity) => {
        if (row) throw conflict(409);
        row = { version: entity.version, members: entity.members, etag: `e${++n}` };
      },
      replace: async (entity, etag) => {
        if (!row || row.etag !== etag) throw conflict(412);
        row = { version: entity.version, members: entity.members, etag: `e${++n}` };
      },
    };
    return { io, current: () => row, rivalOnce: (write: () => void) => (rival = write), set: (version: number, members: number) => (row = { version, members, etag: `e${++n}` }) };
  }
  const entry = (version: number, members: number): DirectoryEntity => ({ partitionKey: 'chat', rowKey: 'dev', room: 'dev', members, version });

  it('given copies in any order, then the entry only moves forward', async () => {
    const row = memoryRow();
    await writeDirectoryEntry(row.io, entry(2, 5));
    await writeDirectoryEntry(row.io, entry(1, 4));
    await writeDirectoryEntry(row.io, entry(2, 5));
    expect(row.current()).toMatchObject({ version: 2, members: 5 });
    await writeDirectoryEntry(row.io, entry(3, 6));
    expect(row.current()).toMatchObject({ version: 3, members: 6 });
  });

  it('given a rival copy between the read and the write, then the write fails its ETag, reads again and keeps the newer one', async () => {
    const row = memoryRow({ version: 1 });
    row.rivalOnce(() => row.set(4, 9));
    await writeDirectoryEntry(row.io, entry(3, 7));
    expect(row.current()).toMatchObject({ version: 4, members: 9 });
    row.rivalOnce(() => row.set(5, 10));
    await writeDirectoryEntry(row.io, entry(6, 11));
    expect(row.current()).toMatchObject({ version: 6, members: 11 });
  });

  it('given a failure that is not a lost race, then it is thrown (the event is retried)', async () => {
    const io: DirectoryRowIo = { read: async () => undefined, insert: async () => Promise.reject(Object.assign(new Error('boom'), { statusCode: 500 })), replace: async () => undefined };
    await expect(writeDirectoryEntry(io, entry(1, 1))).rejects.toThrow('boom');
  });
});
