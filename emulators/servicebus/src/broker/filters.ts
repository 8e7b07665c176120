import { applicationProperty, parseMessage, withApplicationProperties, type ParsedMessage } from '../amqp/codec.js';
import { types } from '../amqp/rhea.js';
import type { CorrelationFilter, RuleConfig } from '../config/model.js';
import { matches } from '../sql/evaluate.js';
import { applyAction, propertySource } from '../sql/message-view.js';
import { SqlEvaluationError } from '../sql/values.js';

function same(expected: string | undefined, actual: unknown): boolean {
  return expected === undefined || (actual !== undefined && String(actual) === expected);
}

function correlationMatches(f: CorrelationFilter, m: ParsedMessage): boolean {
  if (
    !same(f.correlationId, m.correlationId) ||
    !same(f.messageId, m.messageId) ||
    !same(f.to, m.to) ||
    !same(f.replyTo, m.replyTo) ||
    !same(f.subject, m.subject) ||
    !same(f.sessionId, m.sessionId) ||
    !same(f.replyToSessionId, m.replyToSessionId) ||
    !same(f.contentType, m.contentType)
  ) {
    return false;
  }
  for (const [name, expected] of Object.entries(f.properties)) {
    const actual = applicationProperty(m, name);
    if (actual === undefined || actual === null) return false;
    if (expected instanceof Date) {
      if (!(actual instanceof Date) || actual.getTime() !== expected.getTime()) return false;
    } else if (typeof expected === 'string' ? String(actual) !== expected : actual !== expected) return false;
  }
  return true;
}

/** One message a subscription takes: selected by its rules, or a dead letter when a rule failed. */
export interface RoutedCopy {
  readonly parsed: ParsedMessage;
  readonly deadLetter?: { readonly reason: string; readonly description: string };
}

/** Where in the send a message is: its sequence number and enqueued time (for sys. properties). */
export interface Arrival {
  readonly seq: number;
  readonly at: number;
}

function selects(rule: RuleConfig, m: ParsedMessage, arrival: Arrival): boolean {
  switch (rule.filter.kind) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'correlation':
      return correlationMatches(rule.filter, m);
    case 'sql':
      return matches(rule.filter.condition, propertySource(m, arrival.seq, arrival.at));
  }
}

/**
 * What a subscription takes of a message, as Service Bus documents it: the
 * rules without an action together give at most one copy; each matching rule
 * with an action gives its own copy, changed by the action and carrying the
 * rule's name in the `RuleName` property. A filter or action that fails at run
 * time dead-letters the message (when the subscription says so) or is skipped.
 */
export function routeThroughRules(rules: readonly RuleConfig[], m: ParsedMessage, arrival: Arrival, deadLetterOnErrors: boolean): RoutedCopy[] {
  const copies: RoutedCopy[] = [];
  let plain = false;
  let failure: string | undefined;
  for (const rule of rules) {
    try {
      if (!selects(rule, m, arrival)) continue;
      if (!rule.action) {
        plain = true;
        continue;
      }
      const changed = applyAction(m, rule.action.statements, arrival.seq, arrival.at);
      copies.push({ parsed: parseMessage(withApplicationProperties(changed, { RuleName: types.wrap_string(rule.name) })) });
    } catch (err) {
      if (!(err instanceof SqlEvaluationError)) throw err;
      failure ??= `Rule '${rule.name}' failed: ${err.message}`;
    }
  }
  if (plain) copies.unshift({ parsed: m });
  if (failure !== undefined && deadLetterOnErrors) {
    copies.push({ parsed: m, deadLetter: { reason: 'FilterEvaluationException', description: failure } });
  }
  return copies;
}
