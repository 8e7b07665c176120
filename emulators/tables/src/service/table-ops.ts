/** Create, delete and query tables. */
import { Errors } from '../errors.js';
import { evaluate } from '../query/evaluate.js';
import { parseFilter } from '../query/filter.js';
import type { Context } from './context.js';
import { baseHeaders, decodeToken, encodeToken, jsonContentType, metadataLevel, type ServiceRequest, type ServiceResponse } from './request.js';

const tableName = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

export function validateTableName(name: unknown): string {
  if (typeof name !== 'string' || !tableName.test(name) || name.toLowerCase() === 'tables') throw Errors.invalidTableName();
  return name;
}

export function createTable(ctx: Context, req: ServiceRequest): ServiceResponse {
  let body: unknown;
  try {
    body = JSON.parse(req.body);
  } catch {
    throw Errors.invalidInput('The request body is not valid JSON.');
  }
  const name = validateTableName((body as { TableName?: unknown } | null)?.TableName);
  const row = ctx.store.createTable(name);
  const headers = baseHeaders(req);
  headers.Location = `${ctx.base}Tables('${row.name}')`;
  if (req.header('prefer') === 'return-no-content') {
    return { status: 204, headers: { ...headers, 'Preference-Applied': 'return-no-content' } };
  }
  const level = metadataLevel(req);
  const json: Record<string, string> = level === 'none' ? {} : { 'odata.metadata': `${ctx.base}$metadata#Tables/@Element` };
  if (level === 'full') Object.assign(json, { 'odata.type': `${ctx.account}.Tables`, 'odata.id': `${ctx.base}Tables('${row.name}')`, 'odata.editLink': `Tables('${row.name}')` });
  json.TableName = row.name;
  return { status: 201, headers: { ...headers, 'Preference-Applied': 'return-content', 'Content-Type': jsonContentType(level) }, body: JSON.stringify(json) };
}

export function deleteTable(ctx: Context, req: ServiceRequest, name: string): ServiceResponse {
  ctx.store.deleteTable(name);
  return { status: 204, headers: baseHeaders(req) };
}

export function queryTables(ctx: Context, req: ServiceRequest, only?: string): ServiceResponse {
  const filterText = req.query.get('$filter');
  const filter = filterText ? parseFilter(filterText) : undefined;
  const top = parseTop(req.query.get('$top'));
  const after = req.query.get('NextTableName');
  const from = after ? decodeToken(after) : undefined;
  const level = metadataLevel(req);
  const names = ctx.store
    .tables()
    .map((t) => t.name)
    .filter((n) => (only ? n.toLowerCase() === only.toLowerCase() : true))
    .filter((n) => (from ? n >= from : true))
    .filter((n) => !filter || evaluate(filter, (p) => (p === 'TableName' ? ['S', n] : undefined)));
  if (only && names.length === 0) throw Errors.tableNotFound();
  const page = names.slice(0, top);
  const headers: Record<string, string> = { ...baseHeaders(req), 'Content-Type': jsonContentType(level) };
  const next = names[top];
  if (next !== undefined) headers['x-ms-continuation-NextTableName'] = encodeToken(next);
  const value = page.map((n) => {
    if (level !== 'full') return { TableName: n };
    return { 'odata.type': `${ctx.account}.Tables`, 'odata.id': `${ctx.base}Tables('${n}')`, 'odata.editLink': `Tables('${n}')`, TableName: n };
  });
  if (only) {
    const one = level === 'none' ? value[0] : { 'odata.metadata': `${ctx.base}$metadata#Tables/@Element`, ...value[0] };
    return { status: 200, headers, body: JSON.stringify(one) };
  }
  const body = level === 'none' ? { value } : { 'odata.metadata': `${ctx.base}$metadata#Tables`, value };
  return { status: 200, headers, body: JSON.stringify(body) };
}

/** `$top`: 1 to 1000 (the service's page size); absent means 1000. */
export function parseTop(text: string | null): number {
  if (text === null) return 1000;
  if (!/^\d{1,7}$/.test(text) || Number(text) < 1 || Number(text) > 1000) throw Errors.invalidInput('The value of $top is not valid.');
  return Number(text);
}
