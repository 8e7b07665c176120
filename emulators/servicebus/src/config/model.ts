import type { ActionStatement, Expr } from '../sql/parser.js';

/** The broker's validated, frozen view of a Config.json. */

export interface ReceivableProps {
  readonly lockDurationMs: number;
  readonly maxDeliveryCount: number;
  readonly requiresSession: boolean;
  /** Infinity when the entity sets no DefaultMessageTimeToLive (Azure's default). */
  readonly defaultTtlMs: number;
  readonly deadLetteringOnExpiration: boolean;
  /** Queue or topic that takes every message this entity receives (auto-forwarding). */
  readonly forwardTo?: string;
  /** Queue or topic that takes this entity's dead letters instead of its dead-letter queue. */
  readonly forwardDeadLetteredMessagesTo?: string;
}

export interface DuplicateDetection {
  readonly enabled: boolean;
  readonly windowMs: number;
}

export interface QueueConfig {
  readonly name: string;
  readonly props: ReceivableProps;
  readonly duplicateDetection: DuplicateDetection;
}

export type CorrelationValue = string | number | boolean | Date;

/** Message fields a correlation filter may test (all given ones must match). */
export interface CorrelationFilter {
  readonly kind: 'correlation';
  readonly correlationId?: string;
  readonly messageId?: string;
  readonly to?: string;
  readonly replyTo?: string;
  readonly subject?: string;
  readonly sessionId?: string;
  readonly replyToSessionId?: string;
  readonly contentType?: string;
  /** Dates come only from the rule manager (the SDK sends them as AMQP timestamps). */
  readonly properties: Readonly<Record<string, CorrelationValue>>;
}

export interface SqlRuleFilter {
  readonly kind: 'sql';
  readonly expression: string;
  readonly condition: Expr;
}

export type RuleFilter = CorrelationFilter | SqlRuleFilter | { readonly kind: 'true' } | { readonly kind: 'false' };

/** A SQL rule action: SET/REMOVE statements run on the copy a rule selects. */
export interface RuleAction {
  readonly expression: string;
  readonly statements: readonly ActionStatement[];
}

export interface RuleConfig {
  readonly name: string;
  readonly filter: RuleFilter;
  readonly action?: RuleAction;
}

export interface SubscriptionConfig {
  readonly name: string;
  readonly props: ReceivableProps;
  /** A filter or action that fails puts the message in the dead-letter queue (Azure's default: true). */
  readonly deadLetteringOnFilterEvaluationExceptions: boolean;
  readonly rules: readonly RuleConfig[];
}

export interface TopicConfig {
  readonly name: string;
  readonly duplicateDetection: DuplicateDetection;
  readonly subscriptions: readonly SubscriptionConfig[];
}

export interface BrokerConfig {
  readonly namespace: string;
  readonly queues: readonly QueueConfig[];
  readonly topics: readonly TopicConfig[];
}

/** Azure's defaults for what a Config.json leaves out. */
export const defaults = {
  lockDurationMs: 60_000,
  maxDeliveryCount: 10,
  defaultTtlMs: Number.POSITIVE_INFINITY,
  duplicateWindowMs: 10 * 60_000,
} as const;
