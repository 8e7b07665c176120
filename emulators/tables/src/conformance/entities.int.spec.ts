import { describe, expect, it } from 'vitest';
import { errorCode, failure, targets, useTarget } from './targets.js';

describe.each(targets)('entities on $name', (target) => {
  const h = useTarget(target);

  it('inserts, gets, and refuses a second insert of the same keys with EntityAlreadyExists', async () => {
    const t = await h.table();
    const created = await t.createEntity({ partitionKey: 'p', rowKey: 'r', text: 'hello', n: 7 });
    expect(created.etag).toMatch(/^W\/"datetime'/);
    const got = await t.getEntity<{ text: string; n: number }>('p', 'r');
    expect(got).toMatchObject({ partitionKey: 'p', rowKey: 'r', text: 'hello', n: 7, etag: created.etag });
    expect(got.timestamp).toBeDefined();
    const err = await failure(t.createEntity({ partitionKey: 'p', rowKey: 'r' }));
    expect(err.statusCode).toBe(409);
    expect(errorCode(err)).toBe('EntityAlreadyExists');
  });

  it('answers ResourceNotFound for a missing entity and TableNotFound for a missing table', async () => {
    const t = await h.table();
    const missing = await failure(t.getEntity('p', 'nope'));
    expect(missing.statusCode).toBe(404);
    expect(errorCode(missing)).toBe('ResourceNotFound');
    await t.deleteTable();
    const gone = await failure(t.createEntity({ partitionKey: 'p', rowKey: 'r' }));
    expect(gone.statusCode).toBe(404);
    expect(errorCode(gone)).toBe('TableNotFound');
  });

  it('replaces and merges with If-Match: * and with the current etag; a stale etag is UpdateConditionNotSatisfied', async () => {
    const t = await h.table();
    const first = await t.createEntity({ partitionKey: 'p', rowKey: 'r', a: 1, b: 'x' });
    const merged = await t.updateEntity({ partitionKey: 'p', rowKey: 'r', c: true }, 'Merge', { etag: first.etag });
    expect(merged.etag).not.toBe(first.etag);
    expect(await t.getEntity('p', 'r')).toMatchObject({ a: 1, b: 'x', c: true });
    const stale = await failure(t.updateEntity({ partitionKey: 'p', rowKey: 'r', a: 2 }, 'Replace', { etag: first.etag }));
    expect(stale.statusCode).toBe(412);
    expect(errorCode(stale)).toBe('UpdateConditionNotSatisfied');
    await t.updateEntity({ partitionKey: 'p', rowKey: 'r', only: 'me' }, 'Replace', { etag: '*' });
    const replaced = await t.getEntity<Record<string, unknown>>('p', 'r');
    expect(replaced.only).toBe('me');
    expect(replaced.a).toBeUndefined();
    const absent = await failure(t.updateEntity({ partitionKey: 'p', rowKey: 'absent', a: 1 }, 'Merge', { etag: '*' }));
    expect(absent.statusCode).toBe(404);
  });

  it('upserts in replace and merge modes, creating the entity when absent', async () => {
    const t = await h.table();
    await t.upsertEntity({ partitionKey: 'p', rowKey: 'r', a: 1, b: 2 }, 'Replace');
    await t.upsertEntity({ partitionKey: 'p', rowKey: 'r', c: 3 }, 'Merge');
    expect(await t.getEntity('p', 'r')).toMatchObject({ a: 1, b: 2, c: 3 });
    await t.upsertEntity({ partitionKey: 'p', rowKey: 'r', d: 4 }, 'Replace');
    const e = await t.getEntity<Record<string, unknown>>('p', 'r');
    expect(e.d).toBe(4);
    expect(e.a).toBeUndefined();
    await t.upsertEntity({ partitionKey: 'p', rowKey: 'new', z: 'z' }, 'Merge');
    expect((await t.getEntity('p', 'new')).z).toBe('z');
  });

  it('deletes with * and with the etag; a stale etag is refused and a missing entity is ResourceNotFound', async () => {
    const t = await h.table();
    const e = await t.createEntity({ partitionKey: 'p', rowKey: 'r' });
    await t.updateEntity({ partitionKey: 'p', rowKey: 'r', v: 1 }, 'Merge');
    expect((await failure(t.deleteEntity('p', 'r', { etag: e.etag }))).statusCode).toBe(412);
    const current = await t.getEntity('p', 'r');
    await t.deleteEntity('p', 'r', { etag: current.etag });
    expect((await failure(t.getEntity('p', 'r'))).statusCode).toBe(404);
    await t.createEntity({ partitionKey: 'p', rowKey: 'r2' });
    await t.deleteEntity('p', 'r2');
    const missing = await failure(t.deleteEntity('p', 'r2'));
    expect(missing.statusCode).toBe(404);
    expect(errorCode(missing)).toBe('ResourceNotFound');
  });

  it('round-trips every EDM type with its odata.type annotation', async () => {
    const t = await h.table();
    const guid = { value: '6f9619ff-8b86-d011-b42d-00c04fc964ff', type: 'Guid' as const };
    const entity = {
      partitionKey: 'p',
      rowKey: "o'brien",
      s: "it's a string",
      i32: -42,
      i64: 9007199254740993n,
      dbl: 3.25,
      wholeDouble: { value: '2', type: 'Double' as const },
      bool: false,
      date: new Date('2024-02-29T12:34:56.789Z'),
      guid,
      bin: new Uint8Array([0, 1, 2, 253, 254, 255]),
      empty: '',
    };
    await t.createEntity(entity);
    const got = await t.getEntity<Record<string, unknown>>('p', "o'brien");
    expect(got).toMatchObject({ s: "it's a string", i32: -42, i64: 9007199254740993n, dbl: 3.25, wholeDouble: 2, bool: false, guid, empty: '' });
    expect((got.date as Date).toISOString()).toBe('2024-02-29T12:34:56.789Z');
    expect(Buffer.from(got.bin as Uint8Array)).toEqual(Buffer.from([0, 1, 2, 253, 254, 255]));
    const raw = await t.getEntity<Record<string, { value: string; type: string }>>('p', "o'brien", { disableTypeConversion: true });
    expect(raw.i64).toEqual({ value: '9007199254740993', type: 'Int64' });
    expect(raw.bin?.type).toBe('Binary');
    expect(raw.date?.type).toBe('DateTime');
  });

  it('keeps keys with spaces, quotes, unicode and percent signs', async () => {
    const t = await h.table();
    for (const rk of ['a b', "x''y", 'ünï-çødé 🎉', '100%', 'a+b=c&d']) {
      await t.upsertEntity({ partitionKey: 'weird keys', rowKey: rk, v: rk });
      expect((await t.getEntity<{ v: string }>('weird keys', rk)).v).toBe(rk);
    }
  });

  it('selects properties on a point read', async () => {
    const t = await h.table();
    await t.createEntity({ partitionKey: 'p', rowKey: 'r', a: 1, b: 2, c: 3 });
    const e = await t.getEntity<Record<string, unknown>>('p', 'r', { queryOptions: { select: ['a', 'c'] } });
    expect(e.a).toBe(1);
    expect(e.c).toBe(3);
    expect(e.b).toBeUndefined();
  });
});
