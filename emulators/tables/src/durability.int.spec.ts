import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient, TableServiceClient, type TableServiceClientOptions } from '@azure/data-tables';
import { parseCliArgs } from './config/cli-args.js';
import { startEmulator, type StandIn } from './testing/stand-ins.js';
import { afterEach, describe, expect, it } from 'vitest';

/** The bin as a child process: acknowledged writes and settings survive SIGKILL; UseDevelopmentStorage=true reaches it. */
describe('tables-emulator bin', () => {
  const running: StandIn[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const s of running.splice(0)) await s.stop();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('keeps every acknowledged write, single and in a transaction, across kill -9', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tables-durable-'));
    dirs.push(dataDir);
    const first = await startEmulator({ dataDir });
    running.push(first);
    const t = TableClient.fromConnectionString(first.connectionString, 'durable', { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
    await t.createTable();
    const acknowledged: string[] = [];
    // Concurrent writes, killed while more are in flight: all acknowledged ones must be there.
    const inFlight = Array.from({ length: 200 }, (_, i) =>
      t.upsertEntity({ partitionKey: 'p', rowKey: String(i).padStart(4, '0'), i }).then(
        () => acknowledged.push(String(i).padStart(4, '0')),
        () => undefined,
      ),
    );
    await t.submitTransaction(Array.from({ length: 50 }, (_, i) => ['create', { partitionKey: 'tx', rowKey: `r${i}` }] as ['create', { partitionKey: string; rowKey: string }]));
    while (acknowledged.length < 100) await new Promise((r) => setTimeout(r, 5));
    await first.kill();
    await Promise.all(inFlight);
    running.splice(0);
    const second = await startEmulator({ dataDir });
    running.push(second);
    const t2 = TableClient.fromConnectionString(second.connectionString, 'durable', { allowInsecureConnection: true });
    const found = new Set<string>();
    for await (const e of t2.listEntities({ queryOptions: { filter: "PartitionKey eq 'p'" } })) found.add(e.rowKey!);
    for (const rk of acknowledged) expect(found.has(rk), `acknowledged row ${rk}`).toBe(true);
    let tx = 0;
    for await (const _ of t2.listEntities({ queryOptions: { filter: "PartitionKey eq 'tx'" } })) tx++;
    expect(tx).toBe(50);
    // Writes after the restart get new etags, later than any before it.
    const before = await t2.getEntity('p', acknowledged[0]!);
    const after = await t2.upsertEntity({ partitionKey: 'p', rowKey: acknowledged[0]!, i: -1 }, 'Merge');
    expect(after.etag).not.toBe(before.etag);
  });

  it('keeps service properties and table access policies across kill -9', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tables-settings-'));
    dirs.push(dataDir);
    const first = await startEmulator({ dataDir });
    running.push(first);
    const svc = TableServiceClient.fromConnectionString(first.connectionString, { allowInsecureConnection: true });
    const cors = [{ allowedOrigins: 'https://chat.example', allowedMethods: 'GET,POST', allowedHeaders: 'x-ms-date', exposedHeaders: 'x-ms-request-id', maxAgeInSeconds: 60 }];
    await svc.setProperties({ cors });
    const t = TableClient.fromConnectionString(first.connectionString, 'acls', { allowInsecureConnection: true });
    await t.createTable();
    const expiry = new Date('2036-01-01T00:00:00.000Z');
    await t.setAccessPolicy([{ id: 'readers', accessPolicy: { start: new Date('2026-01-01T00:00:00.000Z'), expiry, permission: 'r' } }]);
    await first.kill();
    running.splice(0);
    const second = await startEmulator({ dataDir });
    running.push(second);
    const svc2 = TableServiceClient.fromConnectionString(second.connectionString, { allowInsecureConnection: true });
    expect((await svc2.getProperties()).cors).toEqual(cors);
    const t2 = TableClient.fromConnectionString(second.connectionString, 'acls', { allowInsecureConnection: true });
    const policies = await t2.getAccessPolicy();
    expect(policies.map((p) => [p.id, p.accessPolicy?.permission])).toEqual([['readers', 'r']]);
    expect(new Date(policies[0]!.accessPolicy!.expiry!).getTime()).toBe(expiry.getTime());
  });

  it('serves what UseDevelopmentStorage=true expands to (the bin defaults to port 10002), on a free port', async () => {
    // 10002 itself may be held by a running local stack: the SDK's own expansion is used, only the port is moved.
    expect(parseCliArgs([]).port).toBe(10002);
    const stand = await startEmulator();
    running.push(stand);
    const toStand: NonNullable<TableServiceClientOptions['additionalPolicies']>[number] = {
      position: 'perRetry',
      policy: {
        name: 'moveDevStoragePort',
        sendRequest: (req, next) => {
          const u = new URL(req.url);
          expect(`${u.hostname}:${u.port}`).toBe('127.0.0.1:10002');
          u.port = String(stand.port);
          req.url = u.toString();
          return next(req);
        },
      },
    };
    const options = { additionalPolicies: [toStand] };
    const svc = TableServiceClient.fromConnectionString('UseDevelopmentStorage=true', options);
    expect(svc.url).toBe('http://127.0.0.1:10002/devstoreaccount1');
    await svc.createTable('devstorage');
    const t = TableClient.fromConnectionString('UseDevelopmentStorage=true', 'devstorage', options);
    await t.upsertEntity({ partitionKey: 'p', rowKey: 'r', ok: true });
    expect((await t.getEntity('p', 'r')).ok).toBe(true);
  });
});
