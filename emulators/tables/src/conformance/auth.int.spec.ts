import { AzureNamedKeyCredential, AzureSASCredential, TableClient, TableServiceClient, generateAccountSas, generateTableSas } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { DEV_ACCOUNT, raw } from './raw.js';
import { failure, targets, useTarget } from './targets.js';

const all = { permissions: { query: true, write: true, delete: true, list: true, add: true, update: true }, resourceTypes: 'sco' };
const key = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
const credential = new AzureNamedKeyCredential(DEV_ACCOUNT, key);

describe.each(targets)('authentication on $name', (target) => {
  const h = useTarget(target);
  const url = () => `http://127.0.0.1:${h.stand.port}/${DEV_ACCOUNT}`;

  it('accepts SharedKey as well as the SDK’s SharedKeyLite', async () => {
    const res = await raw(h.stand, 'GET', 'Tables', { auth: 'SharedKey' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toHaveProperty('value');
  });

  it('works with a named key credential and an explicit endpoint', async () => {
    const t = new TableClient(url(), `cred${process.pid}`, credential, { allowInsecureConnection: true });
    await t.createTable();
    await t.upsertEntity({ partitionKey: 'p', rowKey: 'r', v: 1 });
    expect((await t.getEntity('p', 'r')).v).toBe(1);
  });

  it('accepts an account SAS and enforces its permissions', async () => {
    const t = await h.table();
    await t.createEntity({ partitionKey: 'p', rowKey: 'r', v: 1 });
    const expiresOn = new Date(Date.now() + 3600_000);
    const readOnly = generateAccountSas(credential, { expiresOn, permissions: { query: true, list: true }, resourceTypes: 'sco' });
    const reader = new TableClient(url(), t.tableName, new AzureSASCredential(readOnly), { allowInsecureConnection: true });
    expect((await reader.getEntity('p', 'r')).v).toBe(1);
    const denied = await failure(reader.createEntity({ partitionKey: 'p', rowKey: 'w' }));
    expect(denied.statusCode).toBe(403);
    const writer = new TableClient(url(), t.tableName, new AzureSASCredential(generateAccountSas(credential, { expiresOn, ...all })), { allowInsecureConnection: true });
    await writer.createEntity({ partitionKey: 'p', rowKey: 'w' });
    const svc = new TableServiceClient(url(), new AzureSASCredential(generateAccountSas(credential, { expiresOn, ...all })), { allowInsecureConnection: true });
    const names: string[] = [];
    for await (const table of svc.listTables()) names.push(table.name!);
    expect(names).toContain(t.tableName);
  });

  it('accepts a table SAS for its table only', async () => {
    const t = await h.table();
    const other = await h.table();
    const sas = generateTableSas(t.tableName, credential, { expiresOn: new Date(Date.now() + 3600_000), permissions: { query: true, add: true } });
    const mine = new TableClient(url(), t.tableName, new AzureSASCredential(sas), { allowInsecureConnection: true });
    await mine.createEntity({ partitionKey: 'p', rowKey: 'r' });
    expect((await mine.getEntity('p', 'r')).rowKey).toBe('r');
    const theirs = new TableClient(url(), other.tableName, new AzureSASCredential(sas), { allowInsecureConnection: true });
    expect((await failure(theirs.createEntity({ partitionKey: 'p', rowKey: 'r' }))).statusCode).toBe(403);
  });

  it('refuses an expired or tampered SAS with 403', async () => {
    const t = await h.table();
    const expired = generateAccountSas(credential, { expiresOn: new Date(Date.now() - 60_000), ...all });
    const a = new TableClient(url(), t.tableName, new AzureSASCredential(expired), { allowInsecureConnection: true });
    expect((await failure(a.createEntity({ partitionKey: 'p', rowKey: 'r' }))).statusCode).toBe(403);
    const tampered = generateAccountSas(credential, { expiresOn: new Date(Date.now() + 3600_000), permissions: { query: true }, resourceTypes: 'sco' }).replace('sp=r', 'sp=rwdlacu');
    const b = new TableClient(url(), t.tableName, new AzureSASCredential(tampered), { allowInsecureConnection: true });
    expect((await failure(b.createEntity({ partitionKey: 'p', rowKey: 'r' }))).statusCode).toBe(403);
  });
});
