import { describe, expect, it } from 'vitest';
import { ServiceError } from '../errors.js';
import { entityJson, etagOf, mergeProps, parseEntity } from './entity.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof ServiceError ? err.code : `not a ServiceError: ${String(err)}`;
  }
  return undefined;
};

describe('entity bodies', () => {
  it('types unannotated values as the service does and keeps annotated ones', () => {
    const e = parseEntity(
      JSON.stringify({ PartitionKey: 'p', RowKey: 'r', i: 5, big: 3_000_000_000, d: 1.5, s: 'x', b: true, n: null, l: '12', 'l@odata.type': 'Edm.Int64', Timestamp: 'ignored' }),
    );
    expect(e.props).toEqual({ i: ['I', 5], big: ['D', 3_000_000_000], d: ['D', 1.5], s: ['S', 'x'], b: ['B', true], l: ['L', '12'] });
  });

  it.each([
    ['a key with a slash', { PartitionKey: 'a/b', RowKey: 'r' }, 'OutOfRangeInput'],
    ['a key with a control character', { PartitionKey: 'p', RowKey: 'r\u0001' }, 'OutOfRangeInput'],
    ['a non-string key', { PartitionKey: 1, RowKey: 'r' }, 'InvalidInput'],
    ['a property name with a dash', { PartitionKey: 'p', RowKey: 'r', 'a-b': 1 }, 'PropertyNameInvalid'],
    ['a nested object', { PartitionKey: 'p', RowKey: 'r', o: { a: 1 } }, 'InvalidInput'],
    ['an Int32 out of range', { PartitionKey: 'p', RowKey: 'r', i: 2 ** 31, 'i@odata.type': 'Edm.Int32' }, 'InvalidInput'],
    ['a bad DateTime', { PartitionKey: 'p', RowKey: 'r', t: '2024-02-30', 't@odata.type': 'Edm.DateTime' }, 'InvalidInput'],
    ['an unknown type', { PartitionKey: 'p', RowKey: 'r', t: 'x', 't@odata.type': 'Edm.Decimal' }, 'InvalidInput'],
    ['an annotation without its property', { PartitionKey: 'p', RowKey: 'r', 'x@odata.type': 'Edm.String' }, 'InvalidInput'],
  ])('refuses %s', (_what, body, code) => {
    expect(codeOf(() => parseEntity(JSON.stringify(body)))).toBe(code);
  });

  it('counts PartitionKey, RowKey and Timestamp towards the 255 properties, also after a merge', () => {
    const body: Record<string, unknown> = { PartitionKey: 'p', RowKey: 'r' };
    for (let i = 0; i < 252; i++) body[`p${i}`] = i;
    const e = parseEntity(JSON.stringify(body));
    expect(codeOf(() => parseEntity(JSON.stringify({ ...body, one: 1 })))).toBe('TooManyProperties');
    expect(codeOf(() => mergeProps(e.props, { one: ['I', 1] }, e))).toBe('TooManyProperties');
  });

  it('writes whole doubles with .0, annotates what JSON cannot tell, and quotes keys in odata.id', () => {
    const json = entityJson(
      { pk: "o'p", rk: 'r', ts: '2024-01-01T00:00:00.0000000Z', props: { d: ['D', 2], l: ['L', '9'], s: ['S', 'x'] } },
      { metadata: 'full', base: 'http://h/devstoreaccount1/', table: 't' },
    );
    expect(json).toContain('"d":2.0');
    expect(json).toContain('"l@odata.type":"Edm.Int64","l":"9"');
    expect(json).toContain("t(PartitionKey='o''p',RowKey='r')");
    expect(JSON.parse(json)['odata.etag']).toBe(etagOf('2024-01-01T00:00:00.0000000Z'));
    expect(etagOf('2024-01-01T00:00:00.0000000Z')).toBe(`W/"datetime'2024-01-01T00%3A00%3A00.0000000Z'"`);
  });
});
