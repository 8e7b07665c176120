/**
 * Tables and entities on SQLite. All calls are synchronous (better-sqlite3):
 * one HTTP request is one transaction, so an acknowledged write is committed.
 */
import type { Statement } from 'better-sqlite3';
import { Errors } from '../errors.js';
import type { Props } from '../model/edm.js';
import type { StoredEntity } from '../model/entity.js';
import { evaluate } from '../query/evaluate.js';
import type { FilterNode } from '../query/filter.js';
import { keyRange } from '../query/plan.js';
import { WriteClock } from './clock.js';
import type { Db } from './db.js';
import { Settings } from './settings.js';

export interface TableRow {
  readonly id: number;
  readonly name: string;
}

interface EntityRow {
  pk: string;
  rk: string;
  ts: string;
  props: string;
}

export interface EntityPage {
  readonly entities: StoredEntity[];
  /** Where the next page starts, when there is one. */
  readonly next?: { pk: string; rk: string };
}

/** Rows examined per page before answering with what was found and a continuation (as the service does after its time budget). */
const maxScannedPerPage = 20_000;
const maxCachedQueries = 64;

export class Store {
  readonly clock = new WriteClock();
  readonly settings: Settings;
  private readonly tableCache = new Map<string, TableRow | null>();
  private readonly queryCache = new Map<string, Statement<unknown[], EntityRow>>();
  private readonly s;

  constructor(readonly db: Db) {
    this.settings = new Settings(db);
    this.s = {
      tableByKey: db.prepare<[string], TableRow>('SELECT id, name FROM tables WHERE key = ?'),
      tables: db.prepare<[], TableRow>('SELECT id, name FROM tables ORDER BY name'),
      insertTable: db.prepare<[string, string], TableRow>('INSERT INTO tables (key, name) VALUES (?, ?) RETURNING id, name'),
      deleteTable: db.prepare<[number]>('DELETE FROM tables WHERE id = ?'),
      deleteEntities: db.prepare<[number]>('DELETE FROM entities WHERE tid = ?'),
      deleteAcl: db.prepare<[number]>('DELETE FROM table_acls WHERE tid = ?'),
      get: db.prepare<[number, string, string], EntityRow>('SELECT pk, rk, ts, props FROM entities WHERE tid = ? AND pk = ? AND rk = ?'),
      // ON CONFLICT DO NOTHING: an existing row shows as no change, in the one statement.
      insert: db.prepare<[number, string, string, string, string]>('INSERT INTO entities (tid, pk, rk, ts, props) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING'),
      upsert: db.prepare<[number, string, string, string, string]>('INSERT OR REPLACE INTO entities (tid, pk, rk, ts, props) VALUES (?, ?, ?, ?, ?)'),
      delete: db.prepare<[number, string, string]>('DELETE FROM entities WHERE tid = ? AND pk = ? AND rk = ?'),
      lastTs: db.prepare<[], { ts: string | null }>('SELECT max(ts) AS ts FROM entities'),
    };
    const last = this.s.lastTs.get()?.ts;
    if (last) this.clock.observe(last);
  }

  /** Runs `fn` in one transaction: all or nothing. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  table(name: string): TableRow | undefined {
    const key = name.toLowerCase();
    let row = this.tableCache.get(key);
    if (row === undefined) {
      row = this.s.tableByKey.get(key) ?? null;
      this.tableCache.set(key, row);
    }
    return row ?? undefined;
  }

  requireTable(name: string): TableRow {
    const t = this.table(name);
    if (!t) throw Errors.tableNotFound();
    return t;
  }

  tables(): TableRow[] {
    return this.s.tables.all();
  }

  createTable(name: string): TableRow {
    if (this.table(name)) throw Errors.tableExists();
    const row = this.s.insertTable.get(name.toLowerCase(), name)!;
    this.tableCache.set(name.toLowerCase(), row);
    return row;
  }

  deleteTable(name: string): void {
    const t = this.requireTable(name);
    this.transaction(() => {
      this.s.deleteEntities.run(t.id);
      this.s.deleteAcl.run(t.id);
      this.s.deleteTable.run(t.id);
    });
    this.tableCache.delete(name.toLowerCase());
  }

  get(tid: number, pk: string, rk: string): StoredEntity | undefined {
    const row = this.s.get.get(tid, pk, rk);
    return row && toEntity(row);
  }

  insert(tid: number, pk: string, rk: string, props: Props): string {
    const ts = this.clock.next();
    if (this.s.insert.run(tid, pk, rk, ts, JSON.stringify(props)).changes === 0) throw Errors.entityExists();
    return ts;
  }

  /** Writes the entity whole (insert or replace); the caller has checked any etag. */
  put(tid: number, pk: string, rk: string, props: Props): string {
    const ts = this.clock.next();
    this.s.upsert.run(tid, pk, rk, ts, JSON.stringify(props));
    return ts;
  }

  delete(tid: number, pk: string, rk: string): void {
    this.s.delete.run(tid, pk, rk);
  }

  /** One page of a query in (PartitionKey, RowKey) order. */
  query(tid: number, filter: FilterNode | undefined, top: number, from?: { pk: string; rk: string }): EntityPage {
    const range = keyRange(filter);
    const clauses = ['tid = ?', ...range.clauses];
    const params: unknown[] = [tid, ...range.params];
    if (from) {
      clauses.push('(pk, rk) >= (?, ?)');
      params.push(from.pk, from.rk);
    }
    const sql = `SELECT pk, rk, ts, props FROM entities WHERE ${clauses.join(' AND ')} ORDER BY pk, rk`;
    let stmt = this.queryCache.get(sql);
    if (!stmt) {
      // Shapes are few (which key bounds a filter has); a filter with many bounds must not grow this without end.
      if (this.queryCache.size >= maxCachedQueries) this.queryCache.clear();
      stmt = this.db.prepare<unknown[], EntityRow>(sql);
      this.queryCache.set(sql, stmt);
    }
    const entities: StoredEntity[] = [];
    let scanned = 0;
    for (const row of stmt.iterate(...params)) {
      if (++scanned > maxScannedPerPage) return { entities, next: { pk: row.pk, rk: row.rk } };
      const entity = toEntity(row);
      if (filter && !matches(filter, entity)) continue;
      // A further match exists: it starts the next page.
      if (entities.length === top) return { entities, next: { pk: row.pk, rk: row.rk } };
      entities.push(entity);
    }
    return { entities };
  }
}

function toEntity(row: EntityRow): StoredEntity {
  return { pk: row.pk, rk: row.rk, ts: row.ts, props: JSON.parse(row.props) as Props };
}

export function matches(filter: FilterNode, e: StoredEntity): boolean {
  return evaluate(filter, (name) => {
    if (name === 'PartitionKey') return ['S', e.pk];
    if (name === 'RowKey') return ['S', e.rk];
    if (name === 'Timestamp') return ['T', e.ts];
    return e.props[name];
  });
}
