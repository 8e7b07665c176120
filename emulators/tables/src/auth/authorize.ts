/**
 * Request authorisation for the development account: SharedKey and
 * SharedKeyLite (Table service formats) in the Authorization header, or a SAS
 * (account or table) in the query string. Signatures are compared in constant
 * time; any mismatch is the service's 403 AuthenticationFailed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Errors } from '../errors.js';
import type { AccessPolicy } from '../store/settings.js';
import type { Account } from './account.js';

export interface AuthInput {
  readonly method: string;
  /** The request path exactly as sent (still percent-encoded), without the query. */
  readonly rawPath: string;
  readonly query: URLSearchParams;
  readonly header: (name: string) => string | undefined;
  /** Whether the request came over TLS: a SAS signed for `spr=https` works only then. */
  readonly secure?: boolean;
}

/** What a SAS allows; undefined for a key-signed request (allows everything). */
export interface SasGrant {
  readonly kind: 'account' | 'table';
  readonly permissions: string;
  /** Account SAS resource types (s, c, o). */
  readonly resourceTypes: string;
  /** Table SAS: the table it names (lower case). */
  readonly table?: string;
}

const maxClockSkewMs = 15 * 60 * 1000;

function sign(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

function sameSignature(expected: Buffer, given: string): boolean {
  const got = Buffer.from(given, 'base64');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

/** `/account/path`, and the path without a leading account segment (both spellings are signed by clients). */
function canonicalResources(account: string, rawPath: string, comp: string | null): string[] {
  const suffix = comp ? `?comp=${comp}` : '';
  const resources = [`/${account}${rawPath}${suffix}`];
  // The secondary endpoint (`/{account}-secondary/…`) is signed as it is addressed, or as the primary path.
  const secondary = `/${account}-secondary`;
  const path = rawPath === secondary || rawPath.startsWith(`${secondary}/`) ? `/${account}${rawPath.slice(secondary.length)}` : rawPath;
  if (path !== rawPath) resources.push(`/${account}${path}${suffix}`);
  const prefix = `/${account}`;
  if (path.startsWith(`${prefix}/`)) resources.push(`/${account}${path.slice(prefix.length)}${suffix}`);
  return resources;
}

function checkDate(dateText: string | undefined, now: number): void {
  if (!dateText) throw Errors.authFailed('The Date header or x-ms-date header is required.');
  const t = Date.parse(dateText);
  if (Number.isNaN(t)) throw Errors.authFailed('The Date header is not a valid date.');
  if (Math.abs(now - t) > maxClockSkewMs) throw Errors.authFailed('Request date header too old or too far in the future.');
}

function keyAuth(account: Account, input: AuthInput, scheme: string, credential: string, now: number): void {
  const colon = credential.lastIndexOf(':');
  if (colon <= 0) throw Errors.authFailed('The Authorization header is malformed.');
  const name = credential.slice(0, colon);
  const signature = credential.slice(colon + 1);
  if (name !== account.name) throw Errors.authFailed(`Unknown account ${name}.`);
  const date = input.header('x-ms-date') ?? input.header('date');
  checkDate(date, now);
  const resources = canonicalResources(account.name, input.rawPath, input.query.get('comp'));
  for (const resource of resources) {
    const text =
      scheme === 'SharedKeyLite'
        ? `${date}\n${resource}`
        : [input.method, input.header('content-md5') ?? '', input.header('content-type') ?? '', date, resource].join('\n');
    if (sameSignature(sign(account.key, text), signature)) return;
  }
  throw Errors.authFailed('The MAC signature found in the HTTP request is not the same as any computed signature.');
}

const sasFields = ['sv', 'ss', 'srt', 'sp', 'st', 'se', 'sip', 'spr', 'sig', 'tn', 'si', 'spk', 'srk', 'epk', 'erk', 'ses'];

/** A table's stored access policy by identifier (Set Table ACL), for SAS with `si=`. */
export type PolicyLookup = (table: string, id: string) => AccessPolicy | undefined;

/**
 * The start, expiry and permissions a SAS works with: its own, or those of the
 * stored policy it names. A field may come from one of the two, not both.
 */
function effectiveFields(q: URLSearchParams, policies: PolicyLookup | undefined): { sp: string; st: string; se: string } {
  const sp = q.get('sp') ?? '';
  const st = q.get('st') ?? '';
  const se = q.get('se') ?? '';
  const si = q.get('si');
  const tn = q.get('tn');
  if (!si) return { sp, st, se };
  const policy = tn && policies ? policies(tn, si) : undefined;
  if (!policy) throw Errors.authFailed(`The signed identifier ${si} names no stored access policy of the table.`);
  if ((sp && policy.permission) || (st && policy.start) || (se && policy.expiry)) {
    throw Errors.authFailed('A field is given both by the SAS and by its stored access policy.');
  }
  return { sp: sp || (policy.permission ?? ''), st: st || (policy.start ?? ''), se: se || (policy.expiry ?? '') };
}

function sasAuth(account: Account, q: URLSearchParams, protocol: 'http' | 'https', now: number, policies: PolicyLookup | undefined): SasGrant {
  // A field given twice is ambiguous (which one was signed?): the service refuses the SAS outright.
  const repeated = sasFields.find((name) => q.getAll(name).length > 1);
  if (repeated) throw Errors.authFailed(`The SAS field ${repeated} is given more than once.`);
  const sig = q.get('sig') ?? '';
  const sv = q.get('sv') ?? '';
  const sip = q.get('sip') ?? '';
  const spr = q.get('spr') ?? '';
  const tn = q.get('tn');
  // Signed as sent; checked against the stored policy's values when it supplies them.
  const signed = { sp: q.get('sp') ?? '', st: q.get('st') ?? '', se: q.get('se') ?? '' };
  if (tn) {
    const text = [signed.sp, signed.st, signed.se, `/table/${account.name}/${tn.toLowerCase()}`, q.get('si') ?? '', sip, spr, sv, q.get('spk') ?? '', q.get('srk') ?? '', q.get('epk') ?? '', q.get('erk') ?? ''].join('\n');
    if (!sameSignature(sign(account.key, text), sig)) throw Errors.authFailed('Signature did not match.');
  }
  const { sp, st, se } = tn ? effectiveFields(q, policies) : signed;
  if (!sv || !sp || !se) throw Errors.authFailed('Signature fields not well formed.');
  const expiry = Date.parse(se);
  if (Number.isNaN(expiry) || expiry < now) throw Errors.authFailed('Signed expiry time has passed or is not a date.');
  if (st && (Number.isNaN(Date.parse(st)) || Date.parse(st) > now + maxClockSkewMs)) throw Errors.authFailed('Signed start time is in the future.');
  if (spr && !spr.split(',').includes(protocol)) throw Errors.protocolMismatch();
  if (tn) return { kind: 'table', permissions: sp, resourceTypes: 'o', table: tn.toLowerCase() };
  const ss = q.get('ss') ?? '';
  const srt = q.get('srt') ?? '';
  const text = [account.name, sp, ss, srt, st, se, sip, spr, sv, ''].join('\n');
  const withScope = [account.name, sp, ss, srt, st, se, sip, spr, sv, q.get('ses') ?? '', ''].join('\n');
  if (!sameSignature(sign(account.key, text), sig) && !sameSignature(sign(account.key, withScope), sig)) throw Errors.authFailed('Signature did not match.');
  if (!ss.includes('t')) throw Errors.serviceMismatch();
  return { kind: 'account', permissions: sp, resourceTypes: srt };
}

/** Authorises one request; returns the SAS grant, if a SAS was used, for the per-operation checks. */
export function authorize(account: Account, input: AuthInput, policies?: PolicyLookup, now = Date.now()): SasGrant | undefined {
  const header = input.header('authorization');
  if (header) {
    const space = header.indexOf(' ');
    const scheme = space > 0 ? header.slice(0, space) : '';
    if (scheme !== 'SharedKey' && scheme !== 'SharedKeyLite') throw Errors.authFailed(`Unsupported authorization scheme "${scheme}".`);
    keyAuth(account, input, scheme, header.slice(space + 1).trim(), now);
    return undefined;
  }
  if (input.query.has('sig')) return sasAuth(account, input.query, input.secure === true ? 'https' : 'http', now, policies);
  throw Errors.authFailed('No Authorization header and no shared access signature.');
}

/** `needs`: each entry is a set of letters of which the grant must hold at least one. */
export type Access = { resource: 's' | 'c' | 'o'; needs: readonly string[]; table?: string };

/** Checks one operation against a SAS grant. */
export function checkGrant(grant: SasGrant | undefined, access: Access): void {
  if (!grant) return;
  if (grant.kind === 'account' && !grant.resourceTypes.includes(access.resource)) throw Errors.resourceTypeMismatch();
  if (grant.kind === 'table') {
    if (access.resource !== 'o' || !access.table || access.table.toLowerCase() !== grant.table) throw Errors.permissionMismatch();
  }
  for (const anyOf of access.needs) {
    if (![...anyOf].some((letter) => grant.permissions.includes(letter))) throw Errors.permissionMismatch();
  }
}
