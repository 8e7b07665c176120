import { describe, expect, it } from 'vitest';
import type { RuleConfig } from '../config/model.js';
import { RuleExpressionError, ruleFromJson, ruleToJson, sqlAction, sqlFilter } from './rules.js';

describe('rules', () => {
  it('lists 1=1 and 1=0 as the true and false filters', () => {
    expect(sqlFilter(' 1 = 1 ')).toEqual({ kind: 'true' });
    expect(sqlFilter('1=0')).toEqual({ kind: 'false' });
    expect(sqlFilter('a = 1')).toMatchObject({ kind: 'sql', expression: 'a = 1' });
    expect(sqlAction('  ')).toBeUndefined();
  });

  it("words a bad expression as Service Bus's parser does", () => {
    expect(() => sqlFilter('a = = 1')).toThrow(RuleExpressionError);
    expect(() => sqlFilter('a = = 1')).toThrow("There was an error parsing the filter expression 'a = = 1'. [Token line=1, column=5, Token in error==, Additional details=an expression was expected]");
    expect(() => sqlAction('SET a')).toThrow('There was an error parsing the action expression');
  });

  it('round-trips rules through their journal form, dates included', () => {
    const rules: RuleConfig[] = [
      { name: 'sql', filter: sqlFilter("color = 'red'"), action: sqlAction('SET n = n + 1') as NonNullable<ReturnType<typeof sqlAction>> },
      { name: 'all', filter: { kind: 'true' } },
      { name: 'corr', filter: { kind: 'correlation', correlationId: 'c', properties: { d: new Date(946684800000), n: 2, s: 'x', b: true } } },
    ];
    const json = JSON.parse(JSON.stringify(rules.map(ruleToJson))) as ReturnType<typeof ruleToJson>[];
    const back = json.map(ruleFromJson);
    expect(back.map((r) => [r.name, r.filter.kind, r.action?.expression])).toEqual([
      ['sql', 'sql', 'SET n = n + 1'],
      ['all', 'true', undefined],
      ['corr', 'correlation', undefined],
    ]);
    expect(back[2]?.filter).toEqual(rules[2]?.filter);
    expect(back[0]?.filter).toEqual(rules[0]?.filter);
  });
});
