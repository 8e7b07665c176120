import { types } from '../amqp/rhea.js';
import type { SubscriptionEntity } from '../broker/namespace.js';
import { filterExpression, RuleExpressionError, ruleToJson, sqlAction, sqlFilter } from '../broker/rules.js';
import type { CorrelationFilter, RuleConfig, RuleFilter } from '../config/model.js';
import { BrokerError, Condition } from '../errors.js';
import type { ManagementScope } from './operations.js';
import { argument, ok, optionalMap, requiredString, toNumber, type ManagementReply, type RequestBody } from './request.js';

type Operation = (scope: ManagementScope, body: RequestBody) => ManagementReply;

/** AMQP descriptor codes of the rule description types (Service Bus's request/response spec). */
const Descriptor = {
  ruleDescription: 0x13700000004,
  emptyRuleAction: 0x13700000005,
  sqlRuleAction: 0x13700000006,
  sqlFilter: 0x1370000006,
  trueFilter: 0x1370000007,
  falseFilter: 0x1370000008,
  correlationFilter: 0x1370000009,
} as const;

/** Service Bus limits rule names to 50 characters. */
const maxRuleNameLength = 50;

function subscriptionOf(scope: ManagementScope): SubscriptionEntity {
  const sub = scope.ns.subscriptionOf(scope.store);
  if (!sub) throw new BrokerError(Condition.notAllowed, `'${scope.path}' is not a subscription; rules belong to subscriptions.`);
  return sub;
}

function describedFilter(filter: RuleFilter): unknown {
  switch (filter.kind) {
    case 'correlation':
      return types.described(types.wrap_ulong(Descriptor.correlationFilter), types.wrap_list([
        filter.correlationId ?? null, filter.messageId ?? null, filter.to ?? null, filter.replyTo ?? null,
        filter.subject ?? null, filter.sessionId ?? null, filter.replyToSessionId ?? null, filter.contentType ?? null,
        types.wrap_map(filter.properties),
      ]));
    case 'sql':
      return types.described(types.wrap_ulong(Descriptor.sqlFilter), types.wrap_list([filter.expression]));
    case 'true':
      return types.described(types.wrap_ulong(Descriptor.trueFilter), types.wrap_list([filterExpression(filter)]));
    case 'false':
      return types.described(types.wrap_ulong(Descriptor.falseFilter), types.wrap_list([filterExpression(filter)]));
  }
}

function describedRule(rule: RuleConfig): unknown {
  const action = rule.action
    ? types.described(types.wrap_ulong(Descriptor.sqlRuleAction), types.wrap_list([rule.action.expression]))
    : types.described(types.wrap_ulong(Descriptor.emptyRuleAction), types.wrap_list([]));
  return { 'rule-description': types.described(types.wrap_ulong(Descriptor.ruleDescription), types.wrap_list([describedFilter(rule.filter), action, rule.name])) };
}

const correlationKeys: Record<string, keyof Omit<CorrelationFilter, 'kind' | 'properties'>> = {
  'correlation-id': 'correlationId',
  'message-id': 'messageId',
  to: 'to',
  'reply-to': 'replyTo',
  label: 'subject',
  'session-id': 'sessionId',
  'reply-to-session-id': 'replyToSessionId',
  'content-type': 'contentType',
};

function correlationFrom(map: Record<string, unknown>): CorrelationFilter {
  const out: Record<string, unknown> = { kind: 'correlation', properties: {} };
  for (const [wire, key] of Object.entries(correlationKeys)) {
    const v = map[wire];
    if (v === undefined || v === null) continue;
    out[key] = String(v);
  }
  const props = optionalMap(map.properties) ?? {};
  for (const [name, v] of Object.entries(props)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean' && !(v instanceof Date)) {
      throw new BrokerError(Condition.argumentError, `The correlation filter property '${name}' must be a string, number, boolean or date.`);
    }
  }
  out.properties = Object.freeze({ ...props });
  return Object.freeze(out as unknown as CorrelationFilter);
}

function expressionOf(v: unknown, field: string): string {
  const map = optionalMap(v);
  const expr = map?.expression;
  if (typeof expr !== 'string') throw argument(field);
  return expr;
}

/** The rule an add-rule request describes; a bad expression is refused with the parser's reason. */
function ruleFrom(name: string, description: Record<string, unknown>): RuleConfig {
  try {
    let filter: RuleFilter;
    if (description['sql-filter'] !== undefined && description['sql-filter'] !== null) {
      filter = sqlFilter(expressionOf(description['sql-filter'], 'sql-filter'));
    } else {
      const correlation = optionalMap(description['correlation-filter']);
      if (!correlation) throw argument('rule-description');
      filter = correlationFrom(correlation);
    }
    const actionField = description['sql-rule-action'];
    const action = actionField === undefined || actionField === null ? undefined : sqlAction(expressionOf(actionField, 'sql-rule-action'));
    return Object.freeze({ name, filter, ...(action ? { action } : {}) });
  } catch (err) {
    if (err instanceof RuleExpressionError) throw new BrokerError(Condition.argumentError, err.message);
    throw err;
  }
}

function ruleName(body: RequestBody): string {
  const name = requiredString(body['rule-name'], 'rule-name');
  if (name.length > maxRuleNameLength) {
    throw new BrokerError(Condition.argumentError, `The rule name '${name}' is longer than ${maxRuleNameLength} characters.`);
  }
  return name;
}

/** Replaces a subscription's rules and journals the whole set (small; last one wins on restore). */
export function setRules(scope: ManagementScope, sub: SubscriptionEntity, rules: readonly RuleConfig[]): void {
  sub.rules = Object.freeze([...rules]);
  scope.ns.ctx.journal.append({
    t: 'rules', store: sub.store.key, base: JSON.stringify(sub.configuredRules.map(ruleToJson)), rules: sub.rules.map(ruleToJson),
  });
}

const addRule: Operation = (scope, body) => {
  const sub = subscriptionOf(scope);
  const name = ruleName(body);
  const description = optionalMap(body['rule-description']);
  if (!description) throw argument('rule-description');
  const rule = ruleFrom(name, description);
  if (sub.rules.some((r) => r.name.toLowerCase() === name.toLowerCase())) {
    throw new BrokerError(Condition.entityAlreadyExists, `The messaging entity '${sub.store.path}/Rules/${name}' already exists.`);
  }
  setRules(scope, sub, [...sub.rules, rule]);
  return ok();
};

const removeRule: Operation = (scope, body) => {
  const sub = subscriptionOf(scope);
  const name = ruleName(body);
  const kept = sub.rules.filter((r) => r.name.toLowerCase() !== name.toLowerCase());
  if (kept.length === sub.rules.length) {
    throw new BrokerError(Condition.notFound, `The messaging entity '${sub.store.path}/Rules/${name}' could not be found. To know more visit https://aka.ms/sbResourceMgrExceptions.`);
  }
  setRules(scope, sub, kept);
  return ok();
};

const enumerateRules: Operation = (scope, body) => {
  const sub = subscriptionOf(scope);
  const skip = body.skip === undefined || body.skip === null ? 0 : toNumber(body.skip, 'skip');
  const top = body.top === undefined || body.top === null ? sub.rules.length : toNumber(body.top, 'top');
  const page = sub.rules.slice(skip, skip + Math.max(0, top));
  if (page.length === 0) return { status: 204, description: 'No rules' };
  return ok({ rules: page.map(describedRule) });
};

export const ruleOperations: Record<string, Operation> = {
  'com.microsoft:add-rule': addRule,
  'com.microsoft:remove-rule': removeRule,
  'com.microsoft:enumerate-rules': enumerateRules,
};
