/**
 * The storage layer alone (no HTTP, no SDK): upserts of chat-sized rows into
 * the same SQLite schema and settings the emulator uses, CPU per upsert per
 * block, and a 50-row history page at each size. Shows whether the cost per
 * operation stays flat up to a million rows without the client's overhead.
 *
 *   npx tsx bench/store-scale.ts [--rows 1000000] [--block 100000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseEntity } from '../src/model/entity.js';
import { parseFilter } from '../src/query/filter.js';
import { openDatabase } from '../src/store/db.js';
import { Store } from '../src/store/store.js';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '1000000' }, block: { type: 'string', default: '100000' } } });
const rows = Number(values.rows);
const block = Number(values.block);
const dir = mkdtempSync(join(tmpdir(), 'tables-scale-'));
const store = new Store(openDatabase({ dataDir: dir }));
const table = store.createTable('scale');
const text = 'x'.repeat(200);

console.log(`store bench: ${rows} rows in blocks of ${block}, load average at start ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('| rows | µs CPU per upsert | 50-row history µs | RSS MB | load 1m |');
console.log('| ---: | ---: | ---: | ---: | ---: |');
try {
  for (let done = 0; done < rows; done += block) {
    const before = process.cpuUsage();
    for (let i = done; i < done + block; i++) {
      const body = `{"PartitionKey":"room-${i % 500}","RowKey":"${String(9_999_999_999_999 - i)}","sender":"user-${i % 97}","text":"${text}","seq":${i}}`;
      const e = parseEntity(body);
      store.put(table.id, e.pk, e.rk, e.props);
    }
    const used = process.cpuUsage(before);
    const filter = parseFilter(`PartitionKey eq 'room-${done % 500}'`);
    const q0 = process.hrtime.bigint();
    const page = store.query(table.id, filter, 50);
    const historyUs = Number(process.hrtime.bigint() - q0) / 1000;
    if (page.entities.length !== Math.min(50, Math.ceil((done + block) / 500))) throw new Error(`history page has ${page.entities.length} rows`);
    const perOp = (used.user + used.system) / block;
    console.log(`| ${done + block} | ${perOp.toFixed(1)} | ${historyUs.toFixed(0)} | ${Math.round(process.memoryUsage().rss / 2 ** 20)} | ${loadavg()[0]!.toFixed(2)} |`);
  }
} finally {
  store.db.close();
  rmSync(dir, { recursive: true, force: true });
}
