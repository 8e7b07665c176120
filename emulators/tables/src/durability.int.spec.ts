import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TableClient, TableServiceClient } from '@azure/data-tables';
import { startEmulator, type StandIn } from './testing/stand-ins.js';
import { afterEach, describe, expect, it } from 'vitest';

/** The bin as a child process: acknowledged writes survive SIGKILL; UseDevelopmentStorage=true reaches it on 10002. */
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

  it('serves UseDevelopmentStorage=true on port 10002 when that port is free', async (ctx) => {
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer().once('error', () => resolve(false));
      probe.listen(10002, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (!free) ctx.skip(); // a local stack already holds 10002
    const stand = await startEmulator({ port: 10002 });
    running.push(stand);
    const svc = TableServiceClient.fromConnectionString('UseDevelopmentStorage=true');
    await svc.createTable('devstorage');
    const t = TableClient.fromConnectionString('UseDevelopmentStorage=true', 'devstorage');
    await t.upsertEntity({ partitionKey: 'p', rowKey: 'r', ok: true });
    expect((await t.getEntity('p', 'r')).ok).toBe(true);
  });
});
