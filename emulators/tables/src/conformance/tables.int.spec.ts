import { odata } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { raw } from './raw.js';
import { failure, targets, useTarget } from './targets.js';

describe.each(targets)('tables on $name', (target) => {
  const h = useTarget(target);

  it('creates, lists, queries by name and deletes tables', async () => {
    const names = ['conformA', 'conformB', 'conformC'].map((n) => `${n}${process.pid}`);
    for (const n of names) await h.service.createTable(n);
    const listed: string[] = [];
    for await (const t of h.service.listTables()) listed.push(t.name!);
    expect(listed).toEqual(expect.arrayContaining(names));
    const filtered: string[] = [];
    for await (const t of h.service.listTables({ queryOptions: { filter: odata`TableName eq ${names[1]}` } })) filtered.push(t.name!);
    expect(filtered).toEqual([names[1]]);
    await h.service.deleteTable(names[1]!);
    const after: string[] = [];
    for await (const t of h.service.listTables()) after.push(t.name!);
    expect(after).not.toContain(names[1]);
  });

  it('pages the table list with a continuation', async () => {
    for (let i = 0; i < 5; i++) await h.service.createTable(`page${process.pid}n${i}`);
    const pages: number[] = [];
    for await (const page of h.service.listTables({ queryOptions: { filter: odata`TableName ge ${`page${process.pid}`} and TableName lt ${`page${process.pid}z`}` } }).byPage({ maxPageSize: 2 })) {
      pages.push(page.length);
    }
    expect(pages).toEqual([2, 2, 1]);
  });

  it('answers TableAlreadyExists for a second create (the SDK treats it as success) and TableNotFound for a missing delete', async () => {
    const t = await h.table();
    await expect(t.createTable()).resolves.toBeUndefined();
    const svc = h.service;
    const dup = await raw(h.stand, 'POST', 'Tables', { body: JSON.stringify({ TableName: t.tableName }) });
    expect(dup.status).toBe(409);
    expect(dup.headers.get('x-ms-error-code')).toBe('TableAlreadyExists');
    await svc.deleteTable(t.tableName);
    await expect(svc.deleteTable(t.tableName)).resolves.toBeUndefined(); // the SDK swallows 404
  });

  it('refuses an invalid table name with 400', async () => {
    const err = await failure(h.service.createTable('1bad-name'));
    expect(err.statusCode).toBe(400);
  });
});
