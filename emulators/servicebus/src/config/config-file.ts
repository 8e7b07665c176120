import { readFileSync } from 'node:fs';
import { EmulatorError } from '../errors.js';
import { parseIsoDuration } from './duration.js';
import {
  defaults,
  type BrokerConfig,
  type CorrelationFilter,
  type DuplicateDetection,
  type QueueConfig,
  type ReceivableProps,
  type RuleConfig,
  type RuleFilter,
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

function noForwarding(props: Json, field: string): void {
  for (const key of ['ForwardTo', 'ForwardDeadLetteredMessagesTo']) {
    const v = props[key];
    if (v !== undefined && v !== null && v !== '') fail(`${field}.${key}`, 'auto-forwarding is not supported by this emulator');
  }
}

function receivable(props: Json, field: string): ReceivableProps {
  noForwarding(props, field);
  return Object.freeze({
    lockDurationMs: duration(props, 'LockDuration', field, defaults.lockDurationMs),
    maxDeliveryCount: positiveInt(props, 'MaxDeliveryCount', field, defaults.maxDeliveryCount),
    requiresSession: bool(props, 'RequiresSession', field),
    defaultTtlMs: duration(props, 'DefaultMessageTimeToLive', field, defaults.defaultTtlMs),
    deadLetteringOnExpiration: bool(props, 'DeadLetteringOnMessageExpiration', field),
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

function sqlFilter(raw: Json, field: string): RuleFilter {
  const expr = raw.SqlExpression;
  const text = typeof expr === 'string' ? expr.replace(/\s+/g, '').toLowerCase() : '';
  if (text === '1=1' || text === 'true') return { kind: 'true' };
  if (text === '1=0' || text === 'false') return { kind: 'false' };
  return fail(`${field}.SqlExpression`, 'only the SQL filters "1=1" and "1=0" are supported; use a correlation filter');
}

function rule(raw: unknown, field: string): RuleConfig {
  const obj = objectAt(raw, field);
  const name = nameAt(obj, field);
  const props = objectAt(obj.Properties, `${field}.Properties`);
  const pf = `${field}.Properties`;
  const action = props.Action;
  if (isObject(action) && typeof action.SqlExpression === 'string' && action.SqlExpression.trim() !== '') {
    fail(`${pf}.Action`, 'rule actions are not supported by this emulator');
  }
  switch (props.FilterType) {
    case 'Correlation':
      return { name, filter: correlationFilter(objectAt(props.CorrelationFilter, `${pf}.CorrelationFilter`), `${pf}.CorrelationFilter`) };
    case 'Sql':
      return { name, filter: sqlFilter(objectAt(props.SqlFilter, `${pf}.SqlFilter`), `${pf}.SqlFilter`) };
    default:
      return fail(`${pf}.FilterType`, 'must be "Correlation" or "Sql"');
  }
}

function subscription(raw: unknown, field: string, topicTtl: number): SubscriptionConfig {
  const obj = objectAt(raw, field);
  const props = receivable(optionalObject(obj, 'Properties', field), `${field}.Properties`);
  const rules = arrayAt(obj, 'Rules', field, false).map((r, i) => rule(r, `${field}.Rules[${i}]`));
  return Object.freeze({
    name: nameAt(obj, field),
    // A subscription never keeps a message longer than its topic allows.
    props: Object.freeze({ ...props, defaultTtlMs: Math.min(props.defaultTtlMs, topicTtl) }),
    rules: Object.freeze(rules.length > 0 ? rules : [{ name: '$Default', filter: { kind: 'true' } } as const]),
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
