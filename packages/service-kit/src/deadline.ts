/** An abort signal for one operation, and the means to stand it down once the operation ended. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** Call when the operation ended (either way): the timer stops and nothing fires later. */
  clear(): void;
}

/**
 * Like AbortSignal.timeout(ms), but clearable. AbortSignal.timeout's timer runs on after the
 * work is done and, when it fires, builds a DOMException (a stack capture) that nobody reads:
 * 1–2 % of the gateway's and the notifier's CPU under load (#21 profiles), once per message.
 */
export function deadline(ms: number): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}
