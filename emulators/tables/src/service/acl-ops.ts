/**
 * Get / Set Table ACL (`/{table}?comp=acl`): up to five stored access
 * policies per table, which a table SAS names with `si=` (auth/authorize.ts).
 * Only the account key may read or change them, as in the service.
 */
import type { SasGrant } from '../auth/authorize.js';
import { Errors } from '../errors.js';
import { normaliseDateTime } from '../model/edm.js';
import { child, children, invalidXml, parseXml, tag, xmlProlog } from '../model/xml.js';
import type { AccessPolicy } from '../store/settings.js';
import type { Context } from './context.js';
import { baseHeaders, type ServiceRequest, type ServiceResponse } from './request.js';

const maxPolicies = 5;
const maxIdChars = 64;
/** Table permissions in the order the service writes them. */
const permissionOrder = 'raud';

function ownerOnly(grant: SasGrant | undefined): void {
  if (grant) throw Errors.permissionMismatch();
}

function time(text: string | undefined, node: string): string | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const v = normaliseDateTime(text.trim());
  if (!v) throw Errors.invalidXmlValue(node);
  return v;
}

export function parseAcl(body: string): AccessPolicy[] {
  if (body.trim() === '') return [];
  const root = parseXml(body);
  if (root.name !== 'SignedIdentifiers') throw invalidXml('The root element must be SignedIdentifiers.');
  const identifiers = children(root, 'SignedIdentifier');
  if (identifiers.length > maxPolicies) throw invalidXml(`At most ${maxPolicies} signed identifiers are allowed.`);
  const seen = new Set<string>();
  return identifiers.map((el) => {
    const id = child(el, 'Id')?.text.trim() ?? '';
    if (id === '' || id.length > maxIdChars || seen.has(id)) throw Errors.invalidXmlValue('SignedIdentifier.Id');
    seen.add(id);
    const policy = child(el, 'AccessPolicy');
    const start = time(policy && child(policy, 'Start')?.text, 'AccessPolicy.Start');
    const expiry = time(policy && child(policy, 'Expiry')?.text, 'AccessPolicy.Expiry');
    const permText = (policy && child(policy, 'Permission')?.text.trim()) ?? '';
    if ([...permText].some((c) => !permissionOrder.includes(c))) throw Errors.invalidXmlValue('AccessPolicy.Permission');
    const permission = [...permissionOrder].filter((c) => permText.includes(c)).join('');
    return { id, ...(start ? { start } : {}), ...(expiry ? { expiry } : {}), ...(permission ? { permission } : {}) };
  });
}

export function aclXml(policies: readonly AccessPolicy[]): string {
  const items = policies.map((p) => {
    const inner = (p.start ? tag('Start', p.start) : '') + (p.expiry ? tag('Expiry', p.expiry) : '') + (p.permission ? tag('Permission', p.permission) : '');
    return tag('SignedIdentifier', tag('Id', p.id) + tag('AccessPolicy', inner, true), true);
  });
  return `${xmlProlog}${tag('SignedIdentifiers', items.join(''), true)}`;
}

export function getAcl(ctx: Context, req: ServiceRequest, table: string): ServiceResponse {
  ownerOnly(ctx.grant);
  const t = ctx.store.requireTable(table);
  return { status: 200, headers: { ...baseHeaders(req), 'Content-Type': 'application/xml' }, body: aclXml(ctx.store.settings.acl(t.id)) };
}

export function setAcl(ctx: Context, req: ServiceRequest, table: string): ServiceResponse {
  ownerOnly(ctx.grant);
  const t = ctx.store.requireTable(table);
  ctx.store.settings.setAcl(t.id, parseAcl(req.body));
  return { status: 204, headers: baseHeaders(req) };
}
