import { describe, expect, it } from 'vitest';
import { ServiceError } from '../errors.js';
import type { Prop } from '../model/edm.js';
import { evaluate } from './evaluate.js';
import { parseFilter } from './filter.js';
import { keyRange } from './plan.js';

const entity: Record<string, Prop> = {
  PartitionKey: ['S', 'room-1'],
  RowKey: ['S', '0042'],
  n: ['I', 5],
  d: ['D', 2.5],
  big: ['L', '9007199254740993'],
  flag: ['B', true],
  s: ['S', "it's"],
  when: ['T', '2024-01-01T00:00:00.0000000Z'],
  g: ['G', '6F9619FF-8B86-D011-B42D-00C04FC964FF'],
  bin: ['X', Buffer.from([1, 2]).toString('base64')],
};
const check = (filter: string) => evaluate(parseFilter(filter), (name) => entity[name]);

describe('the $filter parser and evaluator', () => {
  it.each([
    ["PartitionKey eq 'room-1' and RowKey ge '0040'", true],
    ['n eq 5 and d gt 2.0 and d lt 3', true],
    ['big eq 9007199254740993L', true],
    ['big gt 9007199254740992L', true],
    ['flag', true],
    ['not flag', false],
    ['flag eq false or n ge 5', true],
    ["s eq 'it''s'", true],
    ["when eq datetime'2024-01-01T00:00:00Z'", true],
    ["when lt datetime'2024-01-01T00:00:00.0000001Z'", true],
    ["g eq guid'6f9619ff-8b86-d011-b42d-00c04fc964ff'", true],
    ["bin eq X'0102' and bin ne binary'01'", true],
    ['missing eq 1', false],
    ['not (missing eq 1)', true],
    ["n eq '5'", false],
    ['big eq 5', false],
    ['((n eq 5))', true],
    ['flag eq True', true],
    ['flag eq FALSE', false],
    ['true', true],
  ])('%s → %s', (filter, expected) => {
    expect(check(filter)).toBe(expected);
  });

  it.each(["s eq 'open", 'n eq', 'eq 5', 'n eq 5 and', '(n eq 5', 'n eq 5)', "datetime'2024-13-01T00:00:00Z' eq when", "guid'1' eq g", "X'abc' eq bin", 'n eq 5 5', 'n @ 5', '', '1L2 eq n', '(1)', "'a'", "flag and 'a'", 'not 1', "n eq 5 or 2.5"])(
    'refuses %j as InvalidInput',
    (filter) => {
      let error: unknown;
      try {
        parseFilter(filter);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ServiceError);
      expect((error as ServiceError).code).toBe('InvalidInput');
    },
  );

  it('refuses nesting deep enough to exhaust the stack', () => {
    expect(() => parseFilter(`${'('.repeat(5000)}n eq 5${')'.repeat(5000)}`)).toThrow(ServiceError);
    expect(() => parseFilter(`${'not '.repeat(5000)}flag`)).toThrow(ServiceError);
  });

  it('turns top-level key comparisons into index bounds with bound values only', () => {
    const range = keyRange(parseFilter("PartitionKey eq 'x''; DROP TABLE entities; --' and RowKey gt '5' and n eq 1 and '9' ge RowKey"));
    expect(range.clauses).toEqual(['pk = ?', 'rk > ?', 'rk <= ?']);
    expect(range.params).toEqual(["x'; DROP TABLE entities; --", '5', '9']);
    expect(keyRange(parseFilter("PartitionKey eq 'a' or PartitionKey eq 'b'")).clauses).toEqual([]);
  });
});
