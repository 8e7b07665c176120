/**
 * Entities as the service sees them: parsing and validating a request body,
 * and writing an entity back as OData JSON.
 */
import { Errors } from '../errors.js';
import { maxValueBytes, needsAnnotation, edmName, toProp, valueJson, valueSize, type Prop, type Props } from './edm.js';

export interface EntityKeys {
  readonly pk: string;
  readonly rk: string;
}

export interface StoredEntity extends EntityKeys {
  /** Normalised DateTime of the last write; the etag derives from it. */
  readonly ts: string;
  readonly props: Props;
}

export const maxEntityBytes = 1024 * 1024;
/** PartitionKey, RowKey and Timestamp count towards the service's 255. */
export const maxProperties = 255;
const maxKeyChars = 1024;
const maxNameChars = 255;
// Keys may not hold / \ # ? nor control characters (U+0000-U+001F, U+007F-U+009F).
const badKeyChars = /[/\\#?\u0000-\u001f\u007f-\u009f]/;
const propertyName = /^[\p{L}_][\p{L}\p{N}_]*$/u;
const systemNames = new Set(['PartitionKey', 'RowKey', 'Timestamp']);

export function validateKey(key: unknown): string {
  if (typeof key !== 'string') throw Errors.invalidInput('PartitionKey and RowKey must be strings.');
  if (key.length > maxKeyChars || badKeyChars.test(key)) throw Errors.outOfRange();
  return key;
}

/** Parses an entity body. `keys` from the URL win over (and must agree with) the body's. */
export function parseEntity(body: string, keys?: EntityKeys): { pk: string; rk: string; props: Props } {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw Errors.invalidInput('The request body is not valid JSON.');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw Errors.invalidInput('The request body is not a JSON object.');
  const obj = json as Record<string, unknown>;
  const props: Props = Object.create(null) as Props;
  let count = 3;
  let size = 4;
  for (const [name, value] of Object.entries(obj)) {
    if (name.startsWith('odata.') || name.endsWith('@odata.type')) continue;
    if (systemNames.has(name)) continue;
    if (name.length > maxNameChars) throw Errors.propertyNameTooLong();
    if (!propertyName.test(name)) throw Errors.propertyNameInvalid();
    const prop = toProp(value, obj[`${name}@odata.type`]);
    if (!prop) continue;
    if ((prop[0] === 'S' || prop[0] === 'X') && valueSize(prop) - 4 > maxValueBytes) throw Errors.propertyValueTooLarge();
    if (++count > maxProperties) throw Errors.tooManyProperties();
    size += 8 + name.length * 2 + valueSize(prop);
    props[name] = prop;
  }
  for (const key of Object.keys(obj)) {
    if (!key.endsWith('@odata.type')) continue;
    const target = key.slice(0, -'@odata.type'.length);
    if (!(target in obj)) throw Errors.invalidInput(`Annotation ${key} names no property.`);
  }
  const pk = keys?.pk ?? validateKey(obj.PartitionKey);
  const rk = keys?.rk ?? validateKey(obj.RowKey);
  if (keys) {
    if (obj.PartitionKey !== undefined && obj.PartitionKey !== keys.pk) throw Errors.invalidInput('The PartitionKey in the body does not match the request URI.');
    if (obj.RowKey !== undefined && obj.RowKey !== keys.rk) throw Errors.invalidInput('The RowKey in the body does not match the request URI.');
  }
  size += (pk.length + rk.length) * 2;
  if (size > maxEntityBytes) throw Errors.entityTooLarge();
  return { pk, rk, props };
}

/** Merges `next` over `current` and checks the merged entity against the limits again. */
export function mergeProps(current: Props, next: Props, keys: EntityKeys): Props {
  const merged: Props = Object.assign(Object.create(null) as Props, current, next);
  let count = 3;
  let size = 4 + (keys.pk.length + keys.rk.length) * 2;
  for (const [name, prop] of Object.entries(merged)) {
    count++;
    size += 8 + name.length * 2 + valueSize(prop);
  }
  if (count > maxProperties) throw Errors.tooManyProperties();
  if (size > maxEntityBytes) throw Errors.entityTooLarge();
  return merged;
}

/** Azure's weak etag for a write time: W/"datetime'2026-01-01T00%3A00%3A00.0000001Z'". */
export function etagOf(ts: string): string {
  return `W/"datetime'${encodeURIComponent(ts)}'"`;
}

export type MetadataLevel = 'none' | 'minimal' | 'full';

export interface EntityJsonOptions {
  readonly metadata: MetadataLevel;
  /** `http://host/account/` */
  readonly base: string;
  readonly table: string;
  /** $select names; undefined for all. */
  readonly select?: readonly string[];
  /** Whether this entity is the whole body (`/@Element` in odata.metadata). */
  readonly element?: boolean;
}

function field(parts: string[], name: string, prop: Prop, metadata: MetadataLevel): void {
  if (metadata === 'full' ? prop[0] !== 'S' : metadata === 'minimal' && needsAnnotation(prop)) {
    parts.push(`${JSON.stringify(`${name}@odata.type`)}:${JSON.stringify(edmName[prop[0]])}`);
  }
  parts.push(`${JSON.stringify(name)}:${valueJson(prop)}`);
}

/** An entity as OData JSON text, written by hand so whole Doubles keep their `.0`. */
export function entityJson(e: StoredEntity, o: EntityJsonOptions): string {
  const parts: string[] = [];
  const keyPath = `${o.table}(PartitionKey='${encodeURIComponent(e.pk.replaceAll("'", "''"))}',RowKey='${encodeURIComponent(e.rk.replaceAll("'", "''"))}')`;
  if (o.metadata !== 'none') {
    if (o.element) parts.push(`"odata.metadata":${JSON.stringify(`${o.base}$metadata#${o.table}/@Element`)}`);
    if (o.metadata === 'full') {
      parts.push(`"odata.type":${JSON.stringify(`devstoreaccount1.${o.table}`)}`);
      parts.push(`"odata.id":${JSON.stringify(o.base + keyPath)}`, `"odata.editLink":${JSON.stringify(keyPath)}`);
    }
    parts.push(`"odata.etag":${JSON.stringify(etagOf(e.ts))}`);
  }
  const wanted = o.select ? new Set(o.select) : undefined;
  if (!wanted || wanted.has('PartitionKey')) parts.push(`"PartitionKey":${JSON.stringify(e.pk)}`);
  if (!wanted || wanted.has('RowKey')) parts.push(`"RowKey":${JSON.stringify(e.rk)}`);
  // The service annotates Timestamp only in full metadata: with minimal metadata clients read it as a string.
  if (!wanted || wanted.has('Timestamp')) field(parts, 'Timestamp', ['T', e.ts], o.metadata === 'full' ? 'full' : 'none');
  if (!wanted) {
    for (const [name, prop] of Object.entries(e.props)) field(parts, name, prop, o.metadata);
  } else {
    for (const name of wanted) {
      if (systemNames.has(name)) continue;
      const prop = e.props[name];
      if (prop) field(parts, name, prop, o.metadata);
      else parts.push(`${JSON.stringify(name)}:null`); // the service answers null for a selected property the entity lacks
    }
  }
  return `{${parts.join(',')}}`;
}
