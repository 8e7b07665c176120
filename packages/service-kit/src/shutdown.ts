import { ExitCodes } from './errors.js';
import type { Logger } from './logger.js';

export interface ShutdownStep {
  name: string;
  run: () => Promise<unknown>;
}

/**
 * Runs the steps in order once, on SIGTERM or SIGINT (docs/style.md §9): stop taking
 * work, let in-flight work finish, close servers, close clients. A step that
 * fails is logged and the rest still run; exitCode reflects the failure. On a
 * signal the process exits once the steps ran; the returned function does not exit.
 */
export function installShutdown(logger: Logger, steps: readonly ShutdownStep[] | (() => readonly ShutdownStep[]), timeoutMs = 25_000): () => Promise<void> {
  let running: Promise<void> | undefined;
  const shutdown = () => {
    running ??= (async () => {
      const timer = setTimeout(() => {
        logger.error({ timeoutMs }, 'shutdown timed out; exiting');
        process.exit(ExitCodes.failure);
      }, timeoutMs);
      timer.unref();
      // A function: the steps as they are when shutdown begins (start-up may have failed halfway).
      // `order` numbers the steps as they ran: pino's exit flush can write a line still in
      // flight after a later one, so a reader (or a test) orders the lines by it, not by position.
      let order = 0;
      for (const step of typeof steps === 'function' ? steps() : steps) {
        order += 1;
        try {
          await step.run();
          logger.info({ step: step.name, order }, 'shutdown step done');
        } catch (error) {
          process.exitCode = ExitCodes.failure;
          logger.error({ step: step.name, order, err: error }, 'shutdown step failed');
        }
      }
      clearTimeout(timer);
      logger.info('stopped');
    })();
    return running;
  };
  // After the last step nothing is left to finish, but the SDK may still hold a timer it cannot
  // cancel (a session accept pending when the consumer stopped keeps a 60 s attach timer), which
  // would keep the process past the pod's grace period: leave explicitly.
  const onSignal = () => void shutdown().then(() => process.exit());
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  return shutdown;
}
