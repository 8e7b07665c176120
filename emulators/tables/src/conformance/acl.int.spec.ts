import { createHmac } from 'node:crypto';
import { AzureNamedKeyCredential, AzureSASCredential, TableClient, generateTableSas } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { DEV_ACCOUNT, raw } from './raw.js';
import { errorCode, failure, targets, useTarget } from './targets.js';

const key = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const credential = new AzureNamedKeyCredential(DEV_ACCOUNT, key);
const hour = 3600_000;

/** Table ACLs (stored access policies), SAS that name them with si=, and SharedKeyLite signed by hand. */
describe.each(targets)('table ACLs and signatures on $name', (target) => {
  const h = useTarget(target);
  const url = () => `http://127.0.0.1:${h.stand.port}/${DEV_ACCOUNT}`;
  const sasClient = (table: string, sas: string) => new TableClient(url(), table, new AzureSASCredential(sas), { allowInsecureConnection: true });

  it('stores access policies and answers them back', async () => {
    const t = await h.table();
    expect(await t.getAccessPolicy()).toEqual([]);
    const start = new Date('2026-01-01T00:00:00.000Z');
    const expiry = new Date('2036-01-01T00:00:00.000Z');
    await t.setAccessPolicy([
      { id: 'readers', accessPolicy: { start, expiry, permission: 'r' } },
      { id: 'writers', accessPolicy: { start, expiry, permission: 'raud' } },
    ]);
    const got = await t.getAccessPolicy();
    expect(got.map((p) => p.id)).toEqual(['readers', 'writers']);
    expect(got[0]!.accessPolicy?.permission).toBe('r');
    expect(new Date(got[0]!.accessPolicy!.start!).getTime()).toBe(start.getTime());
    expect(new Date(got[0]!.accessPolicy!.expiry!).getTime()).toBe(expiry.getTime());
    expect(got[1]!.accessPolicy?.permission).toBe('raud');
    await t.setAccessPolicy([]);
    expect(await t.getAccessPolicy()).toEqual([]);
  });

  it('honours a SAS that names a stored access policy, and stops honouring it when the policy is removed', async () => {
    const t = await h.table();
    await t.createEntity({ partitionKey: 'p', rowKey: 'r', v: 1 });
    await t.setAccessPolicy([{ id: 'readers', accessPolicy: { start: new Date(Date.now() - hour), expiry: new Date(Date.now() + hour), permission: 'r' } }]);
    const reader = sasClient(t.tableName, generateTableSas(t.tableName, credential, { identifier: 'readers' }));
    expect((await reader.getEntity<{ v: number }>('p', 'r')).v).toBe(1);
    // The policy grants read only.
    expect((await failure(reader.createEntity({ partitionKey: 'p', rowKey: 'w' }))).statusCode).toBe(403);
    // An identifier the table does not hold, and a removed policy, authorise nothing.
    const unknown = sasClient(t.tableName, generateTableSas(t.tableName, credential, { identifier: 'nobody' }));
    expect((await failure(unknown.getEntity('p', 'r'))).statusCode).toBe(403);
    await t.setAccessPolicy([]);
    const revoked = await failure(reader.getEntity('p', 'r'));
    expect(revoked.statusCode).toBe(403);
  });

  // Azurite refuses a policy without Start and Expiry; the service stores any subset of the three.
  it('[Azure behaviour] refuses a SAS that gives a field its stored policy also gives, and an expired policy', async (ctx) => {
    if (target.name === 'azurite') ctx.skip();
    const t = await h.table();
    await t.createEntity({ partitionKey: 'p', rowKey: 'r' });
    await t.setAccessPolicy([
      { id: 'readers', accessPolicy: { expiry: new Date(Date.now() + hour), permission: 'r' } },
      { id: 'expired', accessPolicy: { expiry: new Date(Date.now() - hour), permission: 'r' } },
    ]);
    const both = sasClient(t.tableName, generateTableSas(t.tableName, credential, { identifier: 'readers', permissions: { query: true } }));
    const conflict = await failure(both.getEntity('p', 'r'));
    expect(conflict.statusCode).toBe(403);
    expect(errorCode(conflict)).toBe('AuthenticationFailed');
    const expired = sasClient(t.tableName, generateTableSas(t.tableName, credential, { identifier: 'expired' }));
    expect(errorCode(await failure(expired.getEntity('p', 'r')))).toBe('AuthenticationFailed');
  });

  it('[Azure behaviour] lets only the account key read or change an ACL, and refuses more than five policies', async (ctx) => {
    if (target.name === 'azurite') ctx.skip();
    const t = await h.table();
    const sas = generateTableSas(t.tableName, credential, { expiresOn: new Date(Date.now() + hour), permissions: { query: true, add: true, update: true, delete: true } });
    expect((await failure(sasClient(t.tableName, sas).getAccessPolicy())).statusCode).toBe(403);
    const six = Array.from({ length: 6 }, (_, i) => ({ id: `p${i}`, accessPolicy: { permission: 'r' } }));
    const err = await failure(t.setAccessPolicy(six));
    expect(err.statusCode).toBe(400);
    expect(errorCode(err)).toBe('InvalidXmlDocument');
    expect((await failure(h.service.getStatistics())).statusCode).toBe(400);
  });

  it('drops a table’s ACL with the table', async () => {
    const t = await h.table();
    await t.setAccessPolicy([{ id: 'gone', accessPolicy: { start: new Date(), expiry: new Date(Date.now() + hour), permission: 'r' } }]);
    await t.deleteTable();
    await t.createTable();
    expect(await t.getAccessPolicy()).toEqual([]);
  });

  it('accepts SharedKeyLite signed by the documented algorithm, on an entity, a query and ?comp=acl', async () => {
    const t = await h.table();
    await t.createEntity({ partitionKey: 'p', rowKey: 'r', v: 5 });
    // StringToSign = Date + "\n" + CanonicalizedResource; CanonicalizedResource = "/" + account + path [+ "?comp=" + comp].
    const signLite = async (path: string, keyBytes: Buffer) => {
      const u = new URL(`${url()}/${path}`);
      const date = new Date().toUTCString();
      const comp = u.searchParams.get('comp');
      const stringToSign = `${date}\n/${DEV_ACCOUNT}${u.pathname}${comp ? `?comp=${comp}` : ''}`;
      const signature = createHmac('sha256', keyBytes).update(stringToSign, 'utf8').digest('base64');
      return fetch(u, { headers: { 'x-ms-date': date, 'x-ms-version': '2019-02-02', Accept: 'application/json;odata=nometadata', Authorization: `SharedKeyLite ${DEV_ACCOUNT}:${signature}` } });
    };
    const keyBytes = Buffer.from(key, 'base64');
    const entity = await signLite(`${t.tableName}(PartitionKey='p',RowKey='r')`, keyBytes);
    expect(entity.status).toBe(200);
    expect(((await entity.json()) as { v: number }).v).toBe(5);
    const query = await signLite(`${t.tableName}()?$filter=v%20eq%205`, keyBytes);
    expect(query.status).toBe(200);
    const acl = await signLite(`${t.tableName}?comp=acl`, keyBytes);
    expect(acl.status).toBe(200);
    expect(await acl.text()).toContain('SignedIdentifiers');
    const wrong = await signLite(`${t.tableName}(PartitionKey='p',RowKey='r')`, Buffer.from('another key'));
    expect(wrong.status).toBe(403);
    // raw() signs SharedKeyLite the same way; the comp parameter is part of what is signed.
    expect((await raw(h.stand, 'GET', `${t.tableName}?comp=acl`)).status).toBe(200);
  });
});
