/** Entity operations: insert, get, update / merge (with If-Match), upsert, delete, query. */
import { Errors } from '../errors.js';
import { entityJson, etagOf, mergeProps, parseEntity, type StoredEntity } from '../model/entity.js';
import { parseFilter } from '../query/filter.js';
import type { Context } from './context.js';
import { baseHeaders, decodeToken, encodeToken, jsonContentType, metadataLevel, type ServiceRequest, type ServiceResponse } from './request.js';
import { parseTop } from './table-ops.js';

const sameEtag = (a: string, b: string) => a.replace(/^[Ww]\//, '') === b.replace(/^[Ww]\//, '');
// The service issues weak etags only; an If-Match that is neither `*` nor a weak etag is malformed, not merely stale.
const weakEtag = /^[Ww]\/"(?:[^"\\]|\\.)*"$/;

/** A malformed If-Match is the service's 400 InvalidInput, before the entity is even looked up. */
export function checkIfMatchSyntax(ifMatch: string | undefined): void {
  if (ifMatch === undefined || ifMatch === '') return;
  const v = ifMatch.trim();
  if (v !== '*' && !weakEtag.test(v)) {
    throw Errors.invalidInput(`The etag value '${ifMatch}' specified in one of the request headers is not valid. Please make sure only one etag value is specified and is valid.`);
  }
}

function entityPath(ctx: Context, table: string, pk: string, rk: string): string {
  const q = (s: string) => encodeURIComponent(s.replaceAll("'", "''"));
  return `${ctx.base}${table}(PartitionKey='${q(pk)}',RowKey='${q(rk)}')`;
}

function parseSelect(req: ServiceRequest): string[] | undefined {
  const text = req.query.get('$select');
  if (text === null || text.trim() === '' || text.trim() === '*') return undefined;
  const names = text.split(',').map((n) => n.trim());
  if (names.some((n) => !/^[\p{L}_][\p{L}\p{N}_]*$/u.test(n))) throw Errors.badQuery();
  return names;
}

export function insertEntity(ctx: Context, req: ServiceRequest, table: string): ServiceResponse {
  const t = ctx.store.requireTable(table);
  const e = parseEntity(req.body);
  const ts = ctx.store.insert(t.id, e.pk, e.rk, e.props);
  const headers = { ...baseHeaders(req), ETag: etagOf(ts), Location: entityPath(ctx, t.name, e.pk, e.rk), DataServiceId: entityPath(ctx, t.name, e.pk, e.rk) };
  if (req.header('prefer') === 'return-no-content') {
    return { status: 204, headers: { ...headers, 'Preference-Applied': 'return-no-content' } };
  }
  const level = metadataLevel(req);
  const body = entityJson({ pk: e.pk, rk: e.rk, ts, props: e.props }, { metadata: level, base: ctx.base, table: t.name, element: true });
  return { status: 201, headers: { ...headers, 'Preference-Applied': 'return-content', 'Content-Type': jsonContentType(level) }, body };
}

export function getEntity(ctx: Context, req: ServiceRequest, table: string, pk: string, rk: string): ServiceResponse {
  const t = ctx.store.requireTable(table);
  const e = ctx.store.get(t.id, pk, rk);
  if (!e) throw Errors.entityNotFound();
  const level = metadataLevel(req);
  const select = parseSelect(req);
  const body = entityJson(e, { metadata: level, base: ctx.base, table: t.name, element: true, ...(select ? { select } : {}) });
  return { status: 200, headers: { ...baseHeaders(req), ETag: etagOf(e.ts), 'Content-Type': jsonContentType(level) }, body };
}

/** PUT (replace) and MERGE/PATCH (merge). Without If-Match it is an upsert; with it the entity must exist (and match). */
export function updateEntity(ctx: Context, req: ServiceRequest, table: string, pk: string, rk: string, merge: boolean): ServiceResponse {
  const t = ctx.store.requireTable(table);
  const ifMatch = req.header('if-match');
  checkIfMatchSyntax(ifMatch);
  const e = parseEntity(req.body, { pk, rk });
  // A replacing upsert needs nothing of the current row: skip the read.
  const current = ifMatch === undefined && !merge ? undefined : checkCondition(ctx.store.get(t.id, pk, rk), ifMatch);
  const props = merge && current ? mergeProps(current.props, e.props, { pk, rk }) : e.props;
  const ts = ctx.store.put(t.id, pk, rk, props);
  return { status: 204, headers: { ...baseHeaders(req), ETag: etagOf(ts) } };
}

export function deleteEntity(ctx: Context, req: ServiceRequest, table: string, pk: string, rk: string): ServiceResponse {
  const t = ctx.store.requireTable(table);
  const ifMatch = req.header('if-match');
  if (ifMatch === undefined) throw Errors.missingHeader('If-Match');
  checkIfMatchSyntax(ifMatch);
  checkCondition(ctx.store.get(t.id, pk, rk), ifMatch);
  ctx.store.delete(t.id, pk, rk);
  return { status: 204, headers: baseHeaders(req) };
}

function checkCondition(current: StoredEntity | undefined, ifMatch: string | undefined): StoredEntity | undefined {
  if (ifMatch === undefined) return current;
  if (!current) throw Errors.entityNotFound();
  if (ifMatch.trim() !== '*' && !sameEtag(ifMatch.trim(), etagOf(current.ts))) throw Errors.precondition();
  return current;
}

export function queryEntities(ctx: Context, req: ServiceRequest, table: string): ServiceResponse {
  const t = ctx.store.requireTable(table);
  const filterText = req.query.get('$filter');
  const filter = filterText ? parseFilter(filterText) : undefined;
  const top = parseTop(req.query.get('$top'));
  const select = parseSelect(req);
  const npk = req.query.get('NextPartitionKey');
  const nrk = req.query.get('NextRowKey');
  const from = npk !== null ? { pk: decodeToken(npk), rk: nrk !== null ? decodeToken(nrk) : '' } : undefined;
  const page = ctx.store.query(t.id, filter, top, from);
  const level = metadataLevel(req);
  const opts = { metadata: level, base: ctx.base, table: t.name, ...(select ? { select } : {}) };
  const rows = page.entities.map((e) => entityJson(e, opts));
  const head = level === 'none' ? '' : `"odata.metadata":${JSON.stringify(`${ctx.base}$metadata#${t.name}`)},`;
  const headers: Record<string, string> = { ...baseHeaders(req), 'Content-Type': jsonContentType(level) };
  if (page.next) {
    headers['x-ms-continuation-NextPartitionKey'] = encodeToken(page.next.pk);
    headers['x-ms-continuation-NextRowKey'] = encodeToken(page.next.rk);
  }
  return { status: 200, headers, body: `{${head}"value":[${rows.join(',')}]}` };
}
