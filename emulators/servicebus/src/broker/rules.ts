import type { CorrelationFilter, RuleAction, RuleConfig, RuleFilter } from '../config/model.js';
import { SqlSyntaxError } from '../sql/lexer.js';
import { parseAction, parseFilter } from '../sql/parser.js';

/** The rule every subscription starts with when none is configured. */
export const defaultRule: RuleConfig = Object.freeze({ name: '$Default', filter: Object.freeze({ kind: 'true' as const }) });

/** Why an expression was refused, in the shape of Service Bus's own parser messages. */
export class RuleExpressionError extends Error {
  override readonly name = 'RuleExpressionError';
}

function describe(kind: 'filter' | 'action', text: string, err: SqlSyntaxError): RuleExpressionError {
  return new RuleExpressionError(
    `There was an error parsing the ${kind} expression '${text}'. [Token line=1, column=${err.column}, Token in error=${err.near}, Additional details=${err.details}]`,
  );
}

/** A SQL filter; `1=1` and `1=0` become the true and false filters, as Service Bus lists them. */
export function sqlFilter(text: string): RuleFilter {
  const compact = text.replace(/\s+/g, '').toLowerCase();
  if (compact === '1=1') return { kind: 'true' };
  if (compact === '1=0') return { kind: 'false' };
  try {
    return Object.freeze({ kind: 'sql', expression: text, condition: parseFilter(text) });
  } catch (err) {
    if (err instanceof SqlSyntaxError) throw describe('filter', text, err);
    throw err;
  }
}

/** A SQL action, or undefined for an empty one (Service Bus's EmptyRuleAction). */
export function sqlAction(text: string | undefined): RuleAction | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  try {
    return Object.freeze({ expression: text, statements: parseAction(text) });
  } catch (err) {
    if (err instanceof SqlSyntaxError) throw describe('action', text, err);
    throw err;
  }
}

/** The filter's SQL text as Service Bus reports it (1=1 for the true filter). */
export function filterExpression(filter: RuleFilter): string | undefined {
  if (filter.kind === 'sql') return filter.expression;
  if (filter.kind === 'true') return '1=1';
  if (filter.kind === 'false') return '1=0';
  return undefined;
}

type JsonValue = string | number | boolean | { $date: number };
type CorrelationJson = Omit<CorrelationFilter, 'kind' | 'properties'> & { properties: Record<string, JsonValue> };

/** The journal's form of a rule: SQL as text (parsed again on restore), dates tagged. */
export type RuleJson =
  | { name: string; sql: string; action?: string }
  | { name: string; correlation: CorrelationJson; action?: string };

export function ruleToJson(rule: RuleConfig): RuleJson {
  const action = rule.action ? { action: rule.action.expression } : {};
  if (rule.filter.kind === 'correlation') {
    const { kind: _kind, properties, ...fields } = rule.filter;
    const tagged = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, v instanceof Date ? { $date: v.getTime() } : v]));
    return { name: rule.name, correlation: { ...fields, properties: tagged }, ...action };
  }
  return { name: rule.name, sql: filterExpression(rule.filter) ?? '1=1', ...action };
}

function correlationFromJson(json: CorrelationJson): CorrelationFilter {
  const properties = Object.fromEntries(
    Object.entries(json.properties).map(([k, v]) => [k, typeof v === 'object' ? new Date(v.$date) : v]),
  );
  return Object.freeze({ ...json, kind: 'correlation' as const, properties: Object.freeze(properties) });
}

export function ruleFromJson(json: RuleJson): RuleConfig {
  const filter: RuleFilter = 'sql' in json ? sqlFilter(json.sql) : correlationFromJson(json.correlation);
  const action = sqlAction(json.action);
  return Object.freeze({ name: json.name, filter, ...(action ? { action } : {}) });
}
