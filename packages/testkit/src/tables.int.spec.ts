import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { startTables } from './tables.js';

describe('startTables', () => {
  const dir = mkdtempSync(join(tmpdir(), 'testkit-tables-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves tables that the real SDK can write and read, and keeps them in its data dir across a restart', async () => {
    const first = await startTables({ dataDir: dir });
    try {
      const table = TableClient.fromConnectionString(first.connectionString, 'testkit', { allowInsecureConnection: true });
      await table.createTable();
      await table.upsertEntity({ partitionKey: 'p', rowKey: 'r', value: 42 });
    } finally {
      await first.stop();
    }
    expect(first.child.exitCode !== null || first.child.signalCode !== null).toBe(true);
    const second = await startTables({ dataDir: dir });
    try {
      const table = TableClient.fromConnectionString(second.connectionString, 'testkit', { allowInsecureConnection: true });
      expect((await table.getEntity<{ value: number }>('p', 'r')).value).toBe(42);
    } finally {
      await second.stop();
    }
  });
});
