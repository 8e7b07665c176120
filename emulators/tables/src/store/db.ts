/**
 * The SQLite database behind the emulator.
 *
 * Durability: WAL journal. With `synchronous=NORMAL` a commit is written into
 * the WAL file (the OS page cache) before the response is sent, so an
 * acknowledged write survives the emulator being killed (`kill -9`); only an
 * OS crash or power loss can lose the last commits. `synchronous=FULL` (the
 * `--sync full` option) also fsyncs the WAL on every commit, for that case too.
 *
 * Cost per operation stays flat as rows grow: entities live in one table whose
 * primary key is (table id, PartitionKey, RowKey) — a B-tree without rowid — so
 * point reads and writes are O(log n) and key-range queries walk the index.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { EmulatorError } from '../errors.js';

export type SyncMode = 'normal' | 'full';
export type Db = Database.Database;

export const schema = `
CREATE TABLE IF NOT EXISTS tables (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL UNIQUE,  -- lower-cased name: table names are case-insensitive
  name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS entities (
  tid INTEGER NOT NULL,
  pk TEXT NOT NULL,
  rk TEXT NOT NULL,
  ts TEXT NOT NULL,
  props TEXT NOT NULL,
  PRIMARY KEY (tid, pk, rk)
) WITHOUT ROWID;
-- Account settings (service properties) as JSON, one row per setting name.
CREATE TABLE IF NOT EXISTS settings (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
-- A table's stored access policies (Set Table ACL) as JSON; removed with the table.
CREATE TABLE IF NOT EXISTS table_acls (
  tid INTEGER PRIMARY KEY,
  policies TEXT NOT NULL
);
`;

export function openDatabase(options: { dataDir?: string; sync?: SyncMode }): Db {
  let db: Db;
  try {
    if (options.dataDir) {
      mkdirSync(options.dataDir, { recursive: true });
      db = new Database(join(options.dataDir, 'tables.sqlite'));
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.sync === 'full' ? 'FULL' : 'NORMAL'}`);
    } else {
      db = new Database(':memory:');
    }
    db.pragma('foreign_keys = OFF');
    db.pragma('cache_size = -65536'); // 64 MiB page cache
    db.pragma('temp_store = MEMORY');
    db.exec(schema);
  } catch (err) {
    throw new EmulatorError('TBLEMU_DB_OPEN', `cannot open the database in ${options.dataDir ?? 'memory'}: ${(err as Error).message}`, { cause: err });
  }
  return db;
}
