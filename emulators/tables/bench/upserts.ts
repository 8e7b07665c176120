/**
 * Table service bench: the unmodified @azure/data-tables SDK upserts chat-sized
 * rows with 16 in flight, in blocks of 10,000, and after each block reads a
 * 50-row history page. Per block: upserts/s, p99 latency, server CPU per
 * upsert, server RSS, history query latency. Runs emulators/tables (with a
 * data dir, as `npm start` does) and then Azurite (in memory, its fastest),
 * both as child processes, in the same run.
 *
 *   npm run bench -w emulators/tables -- --max-rows 1000000 --azurite-max-rows 200000
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { TableClient } from '@azure/data-tables';
import { startAzurite, startEmulator, type StandIn } from '../src/testing/stand-ins.js';
import { cpuMs, percentile, rssMb } from './process-stats.js';

const { values } = parseArgs({
  options: {
    'max-rows': { type: 'string', default: '100000' },
    'azurite-max-rows': { type: 'string', default: '100000' },
    block: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '16' },
    targets: { type: 'string', default: 'emulator,azurite' },
  },
});
const maxRows = Number(values['max-rows']);
const azuriteMaxRows = Number(values['azurite-max-rows']);
const block = Number(values.block);
const concurrency = Number(values.concurrency);
const conversations = 500;
const text = 'x'.repeat(200);

interface BlockRow {
  target: string;
  rows: number;
  upsertsPerSec: number;
  p99Ms: number;
  cpuMsPerOp: number;
  rssMb: number;
  historyMs: number;
  load1: number;
}

/** A chat message row: conversation partition, inverted-time row key, a few properties. */
function row(i: number) {
  const conversation = `room-${i % conversations}`;
  const rowKey = `${String(9_999_999_999_999 - i).padStart(13, '0')}-${i.toString(36)}`;
  return { partitionKey: conversation, rowKey, sender: `user-${i % 97}`, text, sentAt: new Date(1_700_000_000_000 + i), eventId: `evt-${i}`, seq: i };
}

async function runBlock(client: TableClient, from: number, to: number): Promise<number[]> {
  const latencies: number[] = [];
  let next = from;
  const worker = async () => {
    while (next < to) {
      const i = next++;
      const started = performance.now();
      await client.upsertEntity(row(i), 'Replace');
      latencies.push(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return latencies.sort((a, b) => a - b);
}

async function history(client: TableClient, rows: number): Promise<number> {
  const times: number[] = [];
  for (let q = 0; q < 5; q++) {
    const conversation = `room-${(q * 37 + rows) % conversations}`;
    const started = performance.now();
    const page = await client.listEntities({ queryOptions: { filter: `PartitionKey eq '${conversation}'` } }).byPage({ maxPageSize: 50 }).next();
    if (!page.done && page.value.length === 0 && rows > conversations * 50) throw new Error('history page came back empty');
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[2]!; // median of five
}

async function benchTarget(name: string, stand: StandIn, limit: number, out: BlockRow[]): Promise<void> {
  const pid = stand.child.pid!;
  const client = TableClient.fromConnectionString(stand.connectionString, 'bench', { allowInsecureConnection: true });
  await client.createTable();
  let firstRate: number | undefined;
  for (let done = 0; done < limit; done += block) {
    const cpuBefore = cpuMs(pid);
    const started = performance.now();
    const latencies = await runBlock(client, done, done + block);
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuMs(pid) - cpuBefore;
    const result: BlockRow = {
      target: name,
      rows: done + block,
      upsertsPerSec: Math.round(block / seconds),
      p99Ms: Number(percentile(latencies, 99).toFixed(1)),
      cpuMsPerOp: Number((cpu / block).toFixed(3)),
      rssMb: Math.round(rssMb(pid)),
      historyMs: Number((await history(client, done + block)).toFixed(1)),
      load1: Number(loadavg()[0]!.toFixed(2)),
    };
    out.push(result);
    console.log(JSON.stringify(result));
    firstRate ??= result.upsertsPerSec;
    // "Still usable": stop a target once it is five times slower than at its start.
    if (result.upsertsPerSec < firstRate / 5) {
      console.log(`${name}: stopped at ${result.rows} rows (throughput fell below a fifth of the first block)`);
      break;
    }
  }
}

const results: BlockRow[] = [];
const wanted = values.targets.split(',');
console.log(`table bench: blocks of ${block}, ${concurrency} in flight, load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
if (wanted.includes('emulator')) {
  const dataDir = mkdtempSync(join(tmpdir(), 'tables-bench-'));
  const stand = await startEmulator({ dataDir });
  try {
    await benchTarget('emulator', stand, maxRows, results);
  } finally {
    await stand.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
if (wanted.includes('azurite')) {
  const stand = await startAzurite();
  try {
    await benchTarget('azurite', stand, Math.min(azuriteMaxRows, maxRows), results);
  } finally {
    await stand.stop();
  }
}

console.log('\n| target | rows | upserts/s | p99 ms | server CPU ms/op | RSS MB | 50-row history ms | load 1m |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of results) {
  console.log(`| ${r.target} | ${r.rows} | ${r.upsertsPerSec} | ${r.p99Ms} | ${r.cpuMsPerOp} | ${r.rssMb} | ${r.historyMs} | ${r.load1} |`);
}
