import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TableClient } from '@azure/data-tables';
import { startAzurite, type StandIn } from './stand-ins.js';

describe('startAzurite', () => {
  let azurite: StandIn;
  beforeAll(async () => {
    azurite = await startAzurite();
  });
  afterAll(async () => {
    await azurite?.stop();
  });

  it('serves tables that the real SDK can write and read', async () => {
    const table = TableClient.fromConnectionString(azurite.connectionString, 'testkit', { allowInsecureConnection: true });
    await table.createTable();
    await table.upsertEntity({ partitionKey: 'p', rowKey: 'r', value: 42 });
    const entity = await table.getEntity<{ value: number }>('p', 'r');
    expect(entity.value).toBe(42);
  });

  it('stops with SIGTERM and leaves no process behind', async () => {
    const other = await startAzurite();
    await other.stop();
    expect(other.child.exitCode !== null || other.child.signalCode !== null).toBe(true);
  });
});
