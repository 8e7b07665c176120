import { AzureNamedKeyCredential, AzureSASCredential, TableClient, generateTableSas, odata } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { DEV_ACCOUNT, raw } from './raw.js';
import { errorCode, failure, targets, useTarget } from './targets.js';

const credential = new AzureNamedKeyCredential(DEV_ACCOUNT, 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==');

/** Where third-party Table suites found the emulator answering otherwise than Azure. */
describe.each(targets)('Azure parity on $name', (target) => {
  const h = useTarget(target);
  const azureOnly = (ctx: { skip(): void }) => {
    if (target.name === 'azurite') ctx.skip();
  };

  it.each(['wrong', '"wrong"', 'blah', "datetime'2024-01-01T00%3A00%3A00.0000000Z'"])('refuses the malformed If-Match %s with 400 InvalidInput and writes nothing', async (etag) => {
    const t = await h.table();
    await t.createEntity({ partitionKey: 'p', rowKey: 'r', v: 1 });
    const replace = await failure(t.updateEntity({ partitionKey: 'p', rowKey: 'r', v: 2 }, 'Replace', { etag }));
    expect(replace.statusCode).toBe(400);
    const del = await failure(t.deleteEntity('p', 'r', { etag }));
    expect(del.statusCode).toBe(400);
    if (target.name === 'emulator') {
      const merge = await failure(t.updateEntity({ partitionKey: 'p', rowKey: 'r', v: 3 }, 'Merge', { etag }));
      expect(merge.statusCode).toBe(400);
      expect([errorCode(replace), errorCode(del), errorCode(merge)]).toEqual(['InvalidInput', 'InvalidInput', 'InvalidInput']);
    }
    expect((await t.getEntity<{ v: number }>('p', 'r')).v).toBe(1);
  });

  it('still answers a well-formed but stale weak etag with 412', async () => {
    const t = await h.table();
    await t.createEntity({ partitionKey: 'p', rowKey: 'r' });
    const stale = await failure(t.updateEntity({ partitionKey: 'p', rowKey: 'r' }, 'Replace', { etag: `W/"datetime'2020-01-01T00%3A00%3A00.0000000Z'"` }));
    expect(stale.statusCode).toBe(412);
  });

  it('accepts a binary property of exactly 64 KiB and refuses one byte more', async () => {
    const t = await h.table();
    const exact = new Uint8Array(65_536).fill(7);
    await t.createEntity({ partitionKey: 'p', rowKey: 'exact', bin: exact });
    const got = await t.getEntity<{ bin: Uint8Array }>('p', 'exact');
    expect(got.bin.length).toBe(65_536);
    const over = await failure(t.createEntity({ partitionKey: 'p', rowKey: 'over', bin: new Uint8Array(65_537) }));
    expect(over.statusCode).toBe(400);
    if (target.name === 'emulator') expect(errorCode(over)).toBe('PropertyValueTooLarge');
  });

  it('sends Timestamp without a type annotation in minimal metadata, so the SDK reads it as a string', async () => {
    const t = await h.table();
    await t.createEntity({ partitionKey: 'p', rowKey: 'r' });
    const got = await t.getEntity('p', 'r');
    expect(typeof got.timestamp).toBe('string');
    for await (const e of t.listEntities()) expect(typeof e.timestamp).toBe('string');
    const path = `${t.tableName}(PartitionKey='p',RowKey='r')`;
    const minimal = JSON.parse((await raw(h.stand, 'GET', path)).text) as Record<string, unknown>;
    expect(minimal).not.toHaveProperty('Timestamp@odata.type');
    const full = JSON.parse((await raw(h.stand, 'GET', path, { headers: { Accept: 'application/json;odata=fullmetadata' } })).text) as Record<string, unknown>;
    expect(full['Timestamp@odata.type']).toBe('Edm.DateTime');
  });

  it('refuses the filter (1) with 400', async () => {
    const t = await h.table();
    await t.createEntity({ partitionKey: 'p', rowKey: 'r' });
    const err = await failure(t.listEntities({ queryOptions: { filter: '(1)' } }).next());
    expect(err.statusCode).toBe(400);
    expect(errorCode(err)).toBe('InvalidInput');
  });

  it('reads Boolean literals in a filter case-insensitively (True, FALSE)', async () => {
    const t = await h.table();
    for (let i = 0; i < 6; i++) await t.createEntity({ partitionKey: 'p', rowKey: String(i), myBool: i % 2 === 1 });
    for (const [filter, expected] of [
      [odata`PartitionKey eq 'p' and myBool eq True`, ['1', '3', '5']],
      [odata`(PartitionKey eq 'p') and (myBool eq FALSE)`, ['0', '2', '4']],
      [odata`myBool eq true`, ['1', '3', '5']],
    ] as const) {
      const keys: string[] = [];
      for await (const e of t.listEntities({ queryOptions: { filter } })) keys.push(e.rowKey!);
      expect(keys, filter).toEqual(expected);
    }
  });

  it('refuses a null that carries a type annotation (an invalid Date, a typed Infinity) with 400 InvalidInput', async () => {
    const t = await h.table();
    const date = await failure(t.createEntity({ partitionKey: 'p', rowKey: 'date', when: new Date('not a date') }));
    expect(date.statusCode).toBe(400);
    expect(errorCode(date)).toBe('InvalidInput');
    const inf = await failure(t.createEntity({ partitionKey: 'p', rowKey: 'inf', x: { value: Infinity as unknown as string, type: 'Double' } }));
    expect(errorCode(inf)).toBe('InvalidInput');
    expect((await failure(t.getEntity('p', 'date'))).statusCode).toBe(404);
    // Without an annotation a null still means "no property", as in the service.
    await t.createEntity({ partitionKey: 'p', rowKey: 'plain', gone: null });
    expect(await t.getEntity('p', 'plain')).not.toHaveProperty('gone');
  });

  it('[Azure behaviour] refuses x-ms-version: invalid with 400 InvalidHeaderValue', async (ctx) => {
    azureOnly(ctx); // the conformance Azurite runs with --skipApiVersionCheck
    const t = await h.table();
    const err = await failure(t.getEntity('p', 'r', { requestOptions: { customHeaders: { 'x-ms-version': 'invalid' } } }));
    expect(err.statusCode).toBe(400);
    expect(errorCode(err)).toBe('InvalidHeaderValue');
    const rawAnswer = await raw(h.stand, 'GET', 'Tables', { headers: { 'x-ms-version': 'invalid' } });
    expect(rawAnswer.status).toBe(400);
    expect(rawAnswer.headers.get('x-ms-error-code')).toBe('InvalidHeaderValue');
  });

  it('[Azure behaviour] refuses a SAS that gives sig twice with 403 AuthenticationFailed', async (ctx) => {
    azureOnly(ctx);
    const t = await h.table();
    const sas = generateTableSas(t.tableName, credential, { expiresOn: new Date(Date.now() + 3600_000), permissions: { query: true, add: true } });
    const url = `http://127.0.0.1:${h.stand.port}/${DEV_ACCOUNT}`;
    const good = new TableClient(url, t.tableName, new AzureSASCredential(sas), { allowInsecureConnection: true });
    await good.createEntity({ partitionKey: 'p', rowKey: 'r' });
    const doubled = new TableClient(url, t.tableName, new AzureSASCredential(`${sas}&sig=${encodeURIComponent(Buffer.alloc(32).toString('base64'))}`), {
      allowInsecureConnection: true,
    });
    const err = await failure(doubled.getEntity('p', 'r'));
    expect(err.statusCode).toBe(403);
    expect(errorCode(err)).toBe('AuthenticationFailed');
  });

  it('creates a table with POST /Tables/ (trailing slash)', async () => {
    const name = `slash${process.pid}`;
    const res = await raw(h.stand, 'POST', 'Tables/', { body: JSON.stringify({ TableName: name }) });
    expect(res.status).toBe(201);
    const names: string[] = [];
    for await (const table of h.service.listTables({ queryOptions: { filter: odata`TableName eq ${name}` } })) names.push(table.name!);
    expect(names).toEqual([name]);
  });
});
