import { describe, expect, it } from 'vitest';
import type { HubConnection } from '../../hub-connection.js';
import { compileFilter } from './odata.js';

const conn = (id: string, userId: string | undefined, groups: string[], protocol?: string) =>
  ({ id, userId, groups: new Set(groups), protocol }) as unknown as HubConnection;
const a = conn('c1', 'u1', ['g1'], 'json.webpubsub.azure.v1');
const b = conn('c2', "o'neil", ['g1', 'g2']);
const anon = conn('c3', undefined, []);

function pick(filter: string): string[] {
  const compiled = compileFilter(filter);
  if ('error' in compiled) throw new Error(compiled.error);
  return [a, b, anon].filter(compiled.filter).map((c) => c.id);
}

describe('OData connection filters', () => {
  it.each([
    ["userId eq 'u1'", ['c1']],
    ["userId ne 'u1'", ['c2', 'c3']],
    ["userId eq 'o''neil'", ['c2']],
    ['userId eq null', ['c3']],
    ["'g1' in groups", ['c1', 'c2']],
    ["not('g2' in groups)", ['c1', 'c3']],
    ["'g1' in groups and not ('g2' in groups) or connectionId eq 'c3'", ['c1', 'c3']],
    ["protocol eq 'json.webpubsub.azure.v1'", ['c1']],
    ["connectionId gt 'c1' and connectionId le 'c3'", ['c2', 'c3']],
    ["UserId EQ 'u1'", ['c1']],
  ])('%s selects %j', (filter, ids) => {
    expect(pick(filter)).toEqual(ids);
  });

  it.each([
    ['invalid filter', 14],
    ['userId eq', 9],
    ["userId eq 'x' and", 17],
    ["(userId eq 'x'", 14],
    ["userId eq 'open", 15],
    ['userId eq 5', 11],
    ["'g' in people", 13],
    ["userId eq 'x' userId", 20],
    ['userId # 1', 8],
  ])('refuses the syntax of %j at position %i in the service\'s words', (filter, position) => {
    expect(compileFilter(filter)).toMatchObject({ error: `Invalid syntax for '${filter}': Syntax error at position ${position} in '${filter}'. (Parameter 'filter')` });
  });

  it('refuses an unknown field after the syntax is read', () => {
    expect(compileFilter("foo eq 'x'")).toMatchObject({ error: expect.stringMatching(/^Invalid syntax for 'foo eq 'x'': 'foo' is not a filter field/) });
  });

  it.each(["userId eq", "foo eq 'x'", "'g' in people", "userId eq 'x' and", "(userId eq 'x'", "userId eq 'open", 'userId eq 5', '', `${'not '.repeat(100)}userId eq null`])(
    'refuses %j with a reason',
    (filter) => {
      const compiled = compileFilter(filter);
      expect(compiled).toHaveProperty('error');
      expect(String((compiled as { error: string }).error)).not.toBe('');
    },
  );
});
