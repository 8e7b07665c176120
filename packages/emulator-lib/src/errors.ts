/**
 * A start-up or operator error of an emulator (bad arguments, bad config, a port
 * it cannot listen on): it stops the bin with a fatal log line carrying `code`.
 * Each emulator narrows `Code` to its own stable codes (docs/style.md §3) by
 * subclassing, so its code cannot name a code it does not define, while the
 * shared start-up recognises every emulator's error by this one class.
 */
export class EmulatorError<Code extends string = string> extends Error {
  override name = 'EmulatorError';
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
