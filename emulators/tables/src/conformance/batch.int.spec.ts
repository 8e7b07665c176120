import type { TableTransactionResponse, TransactionAction } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { batchBody, batchError, raw } from './raw.js';
import { errorCode, failure, targets, useTarget } from './targets.js';

describe.each(targets)('entity group transactions on $name', (target) => {
  const h = useTarget(target);

  it('applies inserts, updates, merges, upserts and deletes together', async () => {
    const t = await h.table();
    await t.createEntity({ partitionKey: 'p', rowKey: 'upd', a: 1 });
    await t.createEntity({ partitionKey: 'p', rowKey: 'mrg', a: 1 });
    await t.createEntity({ partitionKey: 'p', rowKey: 'del' });
    const actions: TransactionAction[] = [
      ['create', { partitionKey: 'p', rowKey: 'new', v: 'n' }],
      ['update', { partitionKey: 'p', rowKey: 'upd', b: 2 }, 'Replace'],
      ['update', { partitionKey: 'p', rowKey: 'mrg', b: 2 }, 'Merge'],
      ['upsert', { partitionKey: 'p', rowKey: 'ups', u: true }, 'Merge'],
      ['delete', { partitionKey: 'p', rowKey: 'del' }],
    ];
    const res: TableTransactionResponse = await t.submitTransaction(actions);
    expect(res.status).toBe(202);
    expect(res.subResponses.map((s) => s.status)).toEqual([204, 204, 204, 204, 204]);
    expect((await t.getEntity('p', 'new')).v).toBe('n');
    expect(await t.getEntity<Record<string, unknown>>('p', 'upd')).toMatchObject({ b: 2 });
    expect((await t.getEntity<Record<string, unknown>>('p', 'upd')).a).toBeUndefined();
    expect(await t.getEntity('p', 'mrg')).toMatchObject({ a: 1, b: 2 });
    expect((await failure(t.getEntity('p', 'del'))).statusCode).toBe(404);
    const etag = res.subResponses[1]!.etag;
    expect(etag).toBe((await t.getEntity('p', 'upd')).etag);
  });

  it('is all or nothing: a conflict at operation 2 leaves no trace of operations 0 and 1', async () => {
    const t = await h.table();
    await t.createEntity({ partitionKey: 'p', rowKey: 'exists', v: 'old' });
    const err = await failure(
      t.submitTransaction([
        ['create', { partitionKey: 'p', rowKey: 'a' }],
        ['upsert', { partitionKey: 'p', rowKey: 'b', v: 'new' }],
        ['create', { partitionKey: 'p', rowKey: 'exists' }],
      ]),
    );
    expect(err.statusCode).toBe(409);
    expect(err.code).toBe('EntityAlreadyExists');
    expect(err.message).toMatch(/^2:/);
    expect((await failure(t.getEntity('p', 'a'))).statusCode).toBe(404);
    expect((await failure(t.getEntity('p', 'b'))).statusCode).toBe(404);
    expect((await t.getEntity('p', 'exists')).v).toBe('old');
  });

  it('fails the whole changeset on a stale etag (412) or a missing entity (404)', async () => {
    const t = await h.table();
    const e = await t.createEntity({ partitionKey: 'p', rowKey: 'r', v: 1 });
    await t.updateEntity({ partitionKey: 'p', rowKey: 'r', v: 2 }, 'Merge');
    const stale = await failure(t.submitTransaction([['create', { partitionKey: 'p', rowKey: 'x' }], ['update', { partitionKey: 'p', rowKey: 'r', v: 3 }, 'Merge', { etag: e.etag }]]));
    expect(stale.statusCode).toBe(412);
    expect(stale.code).toBe('UpdateConditionNotSatisfied');
    const missing = await failure(t.submitTransaction([['delete', { partitionKey: 'p', rowKey: 'nobody' }]]));
    expect(missing.statusCode).toBe(404);
    expect(missing.code).toBe('ResourceNotFound');
    expect((await failure(t.getEntity('p', 'x'))).statusCode).toBe(404);
    expect((await t.getEntity('p', 'r')).v).toBe(2);
  });

  it('accepts 100 operations', async () => {
    const t = await h.table();
    const actions: TransactionAction[] = Array.from({ length: 100 }, (_, i) => ['create', { partitionKey: 'p', rowKey: `r${i}`, i }]);
    const res = await t.submitTransaction(actions);
    expect(res.subResponses).toHaveLength(100);
    let n = 0;
    for await (const _ of t.listEntities()) n++;
    expect(n).toBe(100);
  });

  it('refuses 101 operations and writes none of them', async () => {
    const t = await h.table();
    const actions: TransactionAction[] = Array.from({ length: 101 }, (_, i) => ['create', { partitionKey: 'p', rowKey: `r${i}` }]);
    const err = await failure(t.submitTransaction(actions));
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe('InvalidInput');
    expect((await failure(t.getEntity('p', 'r0'))).statusCode).toBe(404);
  });

  it('[Azure behaviour] refuses a changeset that spans two partitions and writes nothing', async (ctx) => {
    if (target.name === 'azurite') ctx.skip(); // Azurite writes both
    const t = await h.table();
    const { body, contentType } = batchBody(h.stand, [
      { method: 'POST', path: t.tableName, body: { PartitionKey: 'p1', RowKey: 'r' } },
      { method: 'POST', path: t.tableName, body: { PartitionKey: 'p2', RowKey: 'r' } },
    ]);
    const res = await raw(h.stand, 'POST', '$batch', { body, headers: { 'Content-Type': contentType } });
    expect(res.status).toBe(202);
    const failed = batchError(res.text);
    expect(failed?.status).toBe(400);
    expect((await failure(t.getEntity('p1', 'r'))).statusCode).toBe(404);
  });

  it('[Azure behaviour] names CommandsInBatchActOnDifferentPartitions and InvalidDuplicateRow with the operation index', async (ctx) => {
    if (target.name === 'azurite') ctx.skip();
    const t = await h.table();
    const spans = batchBody(h.stand, [
      { method: 'POST', path: t.tableName, body: { PartitionKey: 'p1', RowKey: 'r' } },
      { method: 'POST', path: t.tableName, body: { PartitionKey: 'p2', RowKey: 'r' } },
    ]);
    const a = batchError((await raw(h.stand, 'POST', '$batch', { body: spans.body, headers: { 'Content-Type': spans.contentType } })).text);
    expect(a).toMatchObject({ status: 400, code: 'CommandsInBatchActOnDifferentPartitions' });
    expect(a?.message).toMatch(/^1:/);
    const dup = batchBody(h.stand, [
      { method: 'POST', path: t.tableName, body: { PartitionKey: 'p', RowKey: 'r' } },
      { method: 'DELETE', path: `${t.tableName}(PartitionKey='p',RowKey='r')`, headers: { 'If-Match': '*' } },
    ]);
    const b = batchError((await raw(h.stand, 'POST', '$batch', { body: dup.body, headers: { 'Content-Type': dup.contentType } })).text);
    expect(b).toMatchObject({ status: 400, code: 'InvalidDuplicateRow' });
    expect(b?.message).toMatch(/^1:/);
  });

  it('[Azure behaviour] answers a malformed batch body with a 4xx and writes nothing', async (ctx) => {
    if (target.name === 'azurite') ctx.skip(); // Azurite runs the operations it could read
    const t = await h.table();
    const { body, contentType } = batchBody(h.stand, [{ method: 'POST', path: t.tableName, body: { PartitionKey: 'p', RowKey: 'r' } }]);
    const truncated = body.slice(0, body.lastIndexOf('--changeset'));
    const res = await raw(h.stand, 'POST', '$batch', { body: truncated, headers: { 'Content-Type': contentType } });
    const failedInside = res.status === 202 ? batchError(res.text)?.status : res.status;
    expect(failedInside).toBeGreaterThanOrEqual(400);
    expect(failedInside).toBeLessThan(500);
    expect((await failure(t.getEntity('p', 'r'))).statusCode).toBe(404);
  });

  it('refuses a second operation on the same row in one changeset', async () => {
    const t = await h.table();
    const err = await failure(
      t.submitTransaction([
        ['create', { partitionKey: 'p', rowKey: 'r' }],
        ['upsert', { partitionKey: 'p', rowKey: 'r', v: 1 }],
      ]),
    );
    expect(err.statusCode).toBe(400);
    expect((await failure(t.getEntity('p', 'r'))).statusCode).toBe(404);
    expect(errorCode(err)).toBeTruthy();
  });
});
