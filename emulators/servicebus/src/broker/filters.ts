import { applicationProperty, type ParsedMessage } from '../amqp/codec.js';
import type { CorrelationFilter, RuleConfig } from '../config/model.js';

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
    if (typeof expected === 'string' ? String(actual) !== expected : actual !== expected) return false;
  }
  return true;
}

/** A subscription takes a message when any of its rules matches. */
export function subscriptionAccepts(rules: readonly RuleConfig[], m: ParsedMessage): boolean {
  return rules.some((rule) => {
    switch (rule.filter.kind) {
      case 'true':
        return true;
      case 'false':
        return false;
      case 'correlation':
        return correlationMatches(rule.filter, m);
    }
  });
}
