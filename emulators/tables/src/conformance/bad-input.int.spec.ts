import { describe, expect, it } from 'vitest';
import { raw } from './raw.js';
import { errorCode, failure, targets, useTarget } from './targets.js';

/** Bad input gets the service's 4xx, never a crash, and nothing is written. */
describe.each(targets)('bad input on $name', (target) => {
  const h = useTarget(target);

  const azureOnly = (ctx: { skip(): void }) => {
    if (target.name === 'azurite') ctx.skip();
  };

  it.each(['a/b', 'a\\b', 'a#b', 'a?b', 'tab\there', 'nul\u0000', 'del\u007f'])('refuses the key %j with 400 and stores nothing', async (key) => {
    const t = await h.table();
    const err = await failure(t.createEntity({ partitionKey: 'p', rowKey: key }));
    expect(err.statusCode).toBe(400);
    let n = 0;
    for await (const _ of t.listEntities()) n++;
    expect(n).toBe(0);
  });

  it('[Azure behaviour] names a bad key OutOfRangeInput, in the body or the URL', async (ctx) => {
    azureOnly(ctx);
    const t = await h.table();
    expect(errorCode(await failure(t.createEntity({ partitionKey: 'a/b', rowKey: 'r' })))).toBe('OutOfRangeInput');
    expect(errorCode(await failure(t.upsertEntity({ partitionKey: 'p', rowKey: 'x#y' })))).toBe('OutOfRangeInput');
  });

  it('[Azure behaviour] refuses more than 255 properties with TooManyProperties', async (ctx) => {
    azureOnly(ctx);
    const t = await h.table();
    const fits: { partitionKey: string; rowKey: string; [k: string]: unknown } = { partitionKey: 'p', rowKey: 'fits' };
    for (let i = 0; i < 252; i++) fits[`p${i}`] = i;
    await t.createEntity(fits);
    const tooMany = { ...fits, rowKey: 'too-many', extra: 1 };
    const err = await failure(t.createEntity(tooMany));
    expect(err.statusCode).toBe(400);
    expect(errorCode(err)).toBe('TooManyProperties');
    const merged = await failure(t.updateEntity({ partitionKey: 'p', rowKey: 'fits', extra: 1 }, 'Merge'));
    expect(errorCode(merged)).toBe('TooManyProperties');
    expect((await t.getEntity<Record<string, unknown>>('p', 'fits')).extra).toBeUndefined();
  });

  it('[Azure behaviour] refuses an entity over 1 MiB with EntityTooLarge and a 64 KiB value with PropertyValueTooLarge', async (ctx) => {
    azureOnly(ctx);
    const t = await h.table();
    const big: Record<string, unknown> = { partitionKey: 'p', rowKey: 'big' };
    for (let i = 0; i < 18; i++) big[`s${i}`] = 'x'.repeat(30_000); // 18 × 60 KB as UTF-16
    const err = await failure(t.createEntity(big as { partitionKey: string; rowKey: string }));
    expect(err.statusCode).toBe(400);
    expect(errorCode(err)).toBe('EntityTooLarge');
    const value = await failure(t.createEntity({ partitionKey: 'p', rowKey: 'value', s: 'x'.repeat(33_000) }));
    expect(errorCode(value)).toBe('PropertyValueTooLarge');
    expect((await failure(t.getEntity('p', 'big'))).statusCode).toBe(404);
  });

  it('refuses a body that is not JSON with 400', async () => {
    const t = await h.table();
    expect((await raw(h.stand, 'POST', t.tableName, { body: '{"PartitionKey":"p","RowKey":"r",' })).status).toBe(400);
    expect((await failure(t.getEntity('p', 'r'))).statusCode).toBe(404);
  });

  it('[Azure behaviour] refuses a value that does not fit its type annotation with 400', async (ctx) => {
    azureOnly(ctx); // Azurite stores "abc" as an Int64
    const t = await h.table();
    const wrong = await raw(h.stand, 'POST', t.tableName, { body: JSON.stringify({ PartitionKey: 'p', RowKey: 'r', n: 'abc', 'n@odata.type': 'Edm.Int64' }) });
    expect(wrong.status).toBe(400);
    expect((await failure(t.getEntity('p', 'r'))).statusCode).toBe(404);
  });

  it('refuses a request signed with the wrong key, or not signed, with 403', async () => {
    const bad = await raw(h.stand, 'GET', 'Tables', { auth: 'bad' });
    expect(bad.status).toBe(403);
    const none = await raw(h.stand, 'GET', 'Tables', { auth: 'none' });
    expect(none.status).toBe(403);
    const t = await h.table();
    const write = await raw(h.stand, 'POST', t.tableName, { auth: 'bad', body: JSON.stringify({ PartitionKey: 'p', RowKey: 'r' }) });
    expect(write.status).toBe(403);
    expect((await failure(t.getEntity('p', 'r'))).statusCode).toBe(404);
  });

  it('[Azure behaviour] names a bad signature AuthenticationFailed in x-ms-error-code', async (ctx) => {
    azureOnly(ctx);
    const bad = await raw(h.stand, 'GET', 'Tables', { auth: 'bad' });
    expect(bad.headers.get('x-ms-error-code')).toBe('AuthenticationFailed');
  });
});
