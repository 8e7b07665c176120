import { readFileSync } from 'node:fs';
import { EmulatorError } from '../errors.js';
import { defaultRule, RuleExpressionError, sqlAction, sqlFilter } from '../broker/rules.js';
import { parseIsoDuration } from './duration.js';
import {
  defaults,
  type BrokerConfig,
  type CorrelationFilter,
  type DuplicateDetection,
  type QueueConfig,
  type ReceivableProps,
  type RuleConfig,
  type SubscriptionConfig,
  type TopicConfig,
} from './model.js';

type Json = Record<string, unknown>;

function fail(field: string, problem: string): never {
  throw new EmulatorError('SBEMU_CONFIG_INVALID', `config field ${field}: ${problem}`);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function objectAt(v: unknown, field: string): Json {
  if (!isObject(v)) fail(field, 'must be an object');
  return v;
}

function optionalObject(parent: Json, key: string, field: string): Json {
  const v = parent[key];
  return v === undefined || v === null ? {} : objectAt(v, `${field}.${key}`);
}

function arrayAt(parent: Json, key: string, field: string, required: boolean): unknown[] {
  const v = parent[key];
  if (v === undefined || v === null) {
    if (required) fail(`${field}.${key}`, 'is required');
    return [];
  }
  if (!Array.isArray(v)) fail(`${field}.${key}`, 'must be an array');
  return v;
}

const namePattern = /^[A-Za-z0-9](?:[\w.\-/]*[A-Za-z0-9])?$/;

function nameAt(obj: Json, field: string): string {
  const v = obj.Name;
  if (typeof v !== 'string' || v === '') fail(`${field}.Name`, 'must be a non-empty string');
  if (!namePattern.test(v)) fail(`${field}.Name`, `"${v}" has characters an entity name cannot have`);
  return v;
}

function bool(props: Json, key: string, field: string): boolean {
  const v = props[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') fail(`${field}.${key}`, 'must be true or false');
  return v;
}

function duration(props: Json, key: string, field: string, fallback: number): number {
  const v = props[key];
  if (v === undefined || v === null || v === '') return fallback;
  const ms = typeof v === 'string' ? parseIsoDuration(v) : undefined;
  if (ms === undefined || ms <= 0) fail(`${field}.${key}`, `"${String(v)}" is not a positive ISO-8601 duration such as "PT1M"`);
  return ms;
}

function positiveInt(props: Json, key: string, field: string, fallback: number): number {
  const v = props[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(`${field}.${key}`, 'must be an integer >= 1');
  return v;
}

function forwardTarget(props: Json, key: string, field: string): { [k: string]: string } {
  const v = props[key];
  if (v === undefined || v === null || v === '') return {};
  if (typeof v !== 'string') fail(`${field}.${key}`, 'must be the name of a queue or topic');
  const camel = key === 'ForwardTo' ? 'forwardTo' : 'forwardDeadLetteredMessagesTo';
  return { [camel]: v };
}

function receivable(props: Json, field: string): ReceivableProps {
  return Object.freeze({
    lockDurationMs: duration(props, 'LockDuration', field, defaults.lockDurationMs),
    maxDeliveryCount: positiveInt(props, 'MaxDeliveryCount', field, defaults.maxDeliveryCount),
    requiresSession: bool(props, 'RequiresSession', field),
    defaultTtlMs: duration(props, 'DefaultMessageTimeToLive', field, defaults.defaultTtlMs),
    deadLetteringOnExpiration: bool(props, 'DeadLetteringOnMessageExpiration', field),
    ...forwardTarget(props, 'ForwardTo', field),
    ...forwardTarget(props, 'ForwardDeadLetteredMessagesTo', field),
  });
}

function duplicateDetection(props: Json, field: string): DuplicateDetection {
  return Object.freeze({
    enabled: bool(props, 'RequiresDuplicateDetection', field),
    windowMs: duration(props, 'DuplicateDetectionHistoryTimeWindow', field, defaults.duplicateWindowMs),
  });
}

const correlationKeys: Record<string, keyof Omit<CorrelationFilter, 'kind' | 'properties'>> = {
  CorrelationId: 'correlationId',
  MessageId: 'messageId',
  To: 'to',
  ReplyTo: 'replyTo',
  Label: 'subject',
  Subject: 'subject',
  SessionId: 'sessionId',
  ReplyToSessionId: 'replyToSessionId',
  ContentType: 'contentType',
};

function correlationFilter(raw: Json, field: string): CorrelationFilter {
  const out: Record<string, unknown> = { kind: 'correlation', properties: {} };
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'Properties') {
      const props = objectAt(value, `${field}.Properties`);
      for (const [name, v] of Object.entries(props)) {
        if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
          fail(`${field}.Properties.${name}`, 'must be a string, number or boolean');
        }
      }
      out.properties = Object.freeze({ ...props });
      continue;
    }
    const target = correlationKeys[key];
    if (!target) fail(`${field}.${key}`, 'is not a correlation filter field');
    if (typeof value !== 'string') fail(`${field}.${key}`, 'must be a string');
    out[target] = value;
  }
  return Object.freeze(out as unknown as CorrelationFilter);
}

/** Runs a rule-expression parser, turning its error into one naming the config field. */
function expression<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof RuleExpressionError) fail(field, err.message);
    throw err;
  }
}

function rule(raw: unknown, field: string): RuleConfig {
  const obj = objectAt(raw, field);
  const name = nameAt(obj, field);
  const props = objectAt(obj.Properties, `${field}.Properties`);
  const pf = `${field}.Properties`;
  const rawAction = props.Action;
  let actionText: string | undefined;
  if (rawAction !== undefined && rawAction !== null) {
    const a = objectAt(rawAction, `${pf}.Action`);
    if (a.SqlExpression !== undefined && a.SqlExpression !== null && typeof a.SqlExpression !== 'string') fail(`${pf}.Action.SqlExpression`, 'must be a string');
    actionText = a.SqlExpression ?? undefined;
  }
  const action = expression(`${pf}.Action.SqlExpression`, () => sqlAction(actionText));
  const withAction = action ? { action } : {};
  switch (props.FilterType) {
    case 'Correlation':
      return { name, filter: correlationFilter(objectAt(props.CorrelationFilter, `${pf}.CorrelationFilter`), `${pf}.CorrelationFilter`), ...withAction };
    case 'Sql': {
      const sql = objectAt(props.SqlFilter, `${pf}.SqlFilter`).SqlExpression;
      if (typeof sql !== 'string') fail(`${pf}.SqlFilter.SqlExpression`, 'must be a string');
      return { name, filter: expression(`${pf}.SqlFilter.SqlExpression`, () => sqlFilter(sql)), ...withAction };
    }
    default:
      return fail(`${pf}.FilterType`, 'must be "Correlation" or "Sql"');
  }
}

function subscription(raw: unknown, field: string, topicTtl: number): SubscriptionConfig {
  const obj = objectAt(raw, field);
  const rawProps = optionalObject(obj, 'Properties', field);
  const props = receivable(rawProps, `${field}.Properties`);
  const rules = arrayAt(obj, 'Rules', field, false).map((r, i) => rule(r, `${field}.Rules[${i}]`));
  uniqueNames(rules, `${field}.Rules`);
  const filterErrors = rawProps.DeadLetteringOnFilterEvaluationExceptions;
  return Object.freeze({
    name: nameAt(obj, field),
    deadLetteringOnFilterEvaluationExceptions: filterErrors === undefined || filterErrors === null ? true : bool(rawProps, 'DeadLetteringOnFilterEvaluationExceptions', `${field}.Properties`),
    // A subscription never keeps a message longer than its topic allows.
    props: Object.freeze({ ...props, defaultTtlMs: Math.min(props.defaultTtlMs, topicTtl) }),
    rules: Object.freeze(rules.length > 0 ? rules : [defaultRule]),
  });
}

function uniqueNames(items: readonly { name: string }[], field: string): void {
  const seen = new Set<string>();
  for (const item of items) {
    const key = item.name.toLowerCase();
    if (seen.has(key)) fail(field, `duplicate name "${item.name}" (names compare case-insensitively)`);
    seen.add(key);
  }
}

/** Every forwarding target must be another queue or topic of the namespace. */
function checkForwarding(queues: readonly QueueConfig[], topics: readonly TopicConfig[], nf: string): void {
  const names = new Set([...queues, ...topics].map((e) => e.name.toLowerCase()));
  const check = (self: string, props: ReceivableProps, field: string) => {
    for (const [key, target] of [['ForwardTo', props.forwardTo], ['ForwardDeadLetteredMessagesTo', props.forwardDeadLetteredMessagesTo]] as const) {
      if (target === undefined) continue;
      if (!names.has(target.toLowerCase())) fail(`${field}.${key}`, `"${target}" is not a queue or topic of this namespace`);
      if (target.toLowerCase() === self.toLowerCase()) fail(`${field}.${key}`, 'an entity cannot forward to itself');
    }
  };
  queues.forEach((q, i) => check(q.name, q.props, `${nf}.Queues[${i}].Properties`));
  topics.forEach((t, i) => t.subscriptions.forEach((s, j) => check(t.name, s.props, `${nf}.Topics[${i}].Subscriptions[${j}].Properties`)));
}

/** Validates a parsed Config.json (Microsoft's Service Bus emulator format). */
export function parseBrokerConfig(json: unknown): BrokerConfig {
  const root = objectAt(json, '(root)');
  const user = objectAt(root.UserConfig, 'UserConfig');
  const namespaces = arrayAt(user, 'Namespaces', 'UserConfig', true);
  if (namespaces.length !== 1) fail('UserConfig.Namespaces', 'must hold exactly one namespace');
  const nf = 'UserConfig.Namespaces[0]';
  const ns = objectAt(namespaces[0], nf);
  const queues: QueueConfig[] = arrayAt(ns, 'Queues', nf, false).map((raw, i) => {
    const field = `${nf}.Queues[${i}]`;
    const obj = objectAt(raw, field);
    const props = optionalObject(obj, 'Properties', field);
    return Object.freeze({
      name: nameAt(obj, field),
      props: receivable(props, `${field}.Properties`),
      duplicateDetection: duplicateDetection(props, `${field}.Properties`),
    });
  });
  const topics: TopicConfig[] = arrayAt(ns, 'Topics', nf, false).map((raw, i) => {
    const field = `${nf}.Topics[${i}]`;
    const obj = objectAt(raw, field);
    const props = optionalObject(obj, 'Properties', field);
    const ttl = duration(props, 'DefaultMessageTimeToLive', `${field}.Properties`, defaults.defaultTtlMs);
    const subscriptions = arrayAt(obj, 'Subscriptions', field, false).map((s, j) =>
      subscription(s, `${field}.Subscriptions[${j}]`, ttl),
    );
    uniqueNames(subscriptions, `${field}.Subscriptions`);
    return Object.freeze({
      name: nameAt(obj, field),
      duplicateDetection: duplicateDetection(props, `${field}.Properties`),
      subscriptions: Object.freeze(subscriptions),
    });
  });
  uniqueNames([...queues, ...topics], `${nf}.Queues/Topics`);
  checkForwarding(queues, topics, nf);
  const name = typeof ns.Name === 'string' && ns.Name !== '' ? ns.Name : 'sbemulatorns';
  return Object.freeze({ namespace: name, queues: Object.freeze(queues), topics: Object.freeze(topics) });
}

/** Reads and validates a Config.json file; any problem names the file or field. */
export function loadBrokerConfig(path: string): BrokerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new EmulatorError('SBEMU_CONFIG_UNREADABLE', `cannot read config file ${path}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new EmulatorError('SBEMU_CONFIG_INVALID', `config file ${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  return parseBrokerConfig(json);
}
