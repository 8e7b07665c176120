import { isServiceBusError } from '@azure/service-bus';

/**
 * What a consumer does with an error from the broker while accepting or receiving:
 * - `idle`: no session has messages right now; accept again at once.
 * - `fatal`: no retry can fix it (a wrong key, an entity that does not exist or is
 *   disabled). The consumer stops and the service reports itself not alive, so
 *   Kubernetes restarts the pod and the operator sees a crash loop, not a quiet stall.
 * - `transient`: the broker is busy, unreachable or timed out; retry with back-off.
 */
export type BusErrorKind = 'idle' | 'fatal' | 'transient';

/** The SDK's codes (ServiceBusError.code) for each kind; anything else is transient. */
const IDLE_CODES: ReadonlySet<string> = new Set(['ServiceTimeout', 'SessionCannotBeLocked']);
const FATAL_CODES: ReadonlySet<string> = new Set(['UnauthorizedAccess', 'MessagingEntityNotFound', 'MessagingEntityDisabled']);

export function classifyBusError(error: unknown): BusErrorKind {
  if (!isServiceBusError(error)) return 'transient';
  if (IDLE_CODES.has(error.code)) return 'idle';
  if (FATAL_CODES.has(error.code)) return 'fatal';
  return 'transient';
}

/**
 * Wait before the n-th retry (1-based) after transient failures in a row: 0.5 s doubling to
 * 30 s, with ±20 % jitter so the slots of one instance (and many instances) do not retry in step.
 */
export function transientBackoffMs(failuresInARow: number, random: () => number = Math.random): number {
  const base = Math.min(500 * 2 ** Math.max(0, failuresInARow - 1), 30_000);
  return Math.round(base * (0.8 + 0.4 * random()));
}
