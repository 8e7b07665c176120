/**
 * Runs `operation` with an abort signal that fires after `ms`, and stands the timer down once
 * the operation ended (either way). Like passing AbortSignal.timeout(ms), but AbortSignal.timeout's
 * timer runs on after the work is done and, when it fires, builds a DOMException (a stack capture)
 * that nobody reads — on every send and REST call, a cost that shows in a busy service's profile.
 */
export async function withDeadline<R>(ms: number, operation: (signal: AbortSignal) => Promise<R>): Promise<R> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')), ms);
  try {
    return await operation(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}
