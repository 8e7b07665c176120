import type { ComponentName } from './ports.js';

/** How a child process ended: an exit code, or the signal that ended it. */
export interface ComponentExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export const describeExit = (exit: ComponentExit): string =>
  exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code ?? 'unknown'}`;

/**
 * A container restart policy (`restartPolicy: Always` with the kubelet's
 * exponential back-off), scaled down for a laptop: the first restart comes
 * quickly, each further failure within the window doubles the wait, and a
 * component that fails `maxFailures` times within `windowMs` is a crash loop.
 */
export interface RestartPolicy {
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly maxFailures: number;
  readonly windowMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { initialBackoffMs: 500, maxBackoffMs: 8_000, maxFailures: 5, windowMs: 60_000 };

export type RestartDecision =
  | { readonly giveUp: false; readonly delayMs: number; readonly failures: number }
  | { readonly giveUp: true; readonly failures: number };

/** The failures of one component: pure, time passed in. Failures older than the window are forgotten. */
export class CrashHistory {
  private failures: number[] = [];

  constructor(private readonly policy: RestartPolicy) {}

  record(now: number): RestartDecision {
    this.failures = [...this.failures.filter((at) => now - at < this.policy.windowMs), now];
    const failures = this.failures.length;
    if (failures >= this.policy.maxFailures) return { giveUp: true, failures };
    const delayMs = Math.min(this.policy.initialBackoffMs * 2 ** (failures - 1), this.policy.maxBackoffMs);
    return { giveUp: false, delayMs, failures };
  }
}

/** What the supervisor needs of a stack (Stack implements it). */
export interface SupervisedStack {
  /** Called when a component exits on its own: not through stopComponent, kill or stop. */
  onCrash(listener: (name: ComponentName, exit: ComponentExit) => void): void;
  start(name: ComponentName): Promise<void>;
  isRunning(name: ComponentName): boolean;
}

export interface SupervisorOptions {
  policy?: Partial<RestartPolicy>;
  /** One human-readable line per crash, restart and give-up. */
  log: (line: string) => void;
  /** A crash loop: the caller stops everything with this message. Called once. */
  onGiveUp: (name: ComponentName, message: string) => void;
  now?: () => number;
}

/**
 * Brings a crashed component back as a container runtime would. Intended
 * exits (a stop, a test's `stack.kill(name)`) never reach it: the stack
 * reports only exits it did not ask for. A restart that fails to start counts
 * as one more failure.
 */
export class Supervisor {
  private readonly policy: RestartPolicy;
  private readonly histories = new Map<ComponentName, CrashHistory>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly now: () => number;
  private closed = false;
  /** Restarts that came up, per component (for logs and tests). */
  readonly restarts = new Map<ComponentName, number>();

  constructor(
    private readonly stack: SupervisedStack,
    private readonly options: SupervisorOptions,
  ) {
    this.policy = { ...DEFAULT_RESTART_POLICY, ...options.policy };
    this.now = options.now ?? Date.now;
    stack.onCrash((name, exit) => this.failed(name, `exited unexpectedly (${describeExit(exit)})`));
  }

  private failed(name: ComponentName, what: string): void {
    if (this.closed) return;
    let history = this.histories.get(name);
    if (!history) this.histories.set(name, (history = new CrashHistory(this.policy)));
    const decision = history.record(this.now());
    const windowS = Math.round(this.policy.windowMs / 1000);
    if (decision.giveUp) {
      this.closed = true;
      const message = `${name} keeps failing (CrashLoop): ${decision.failures} failures within ${windowS} s, the last one: ${what}. Stopping Parley.`;
      this.options.log(message);
      this.options.onGiveUp(name, message);
      return;
    }
    this.options.log(
      `${name} ${what}; restarting in ${decision.delayMs} ms (failure ${decision.failures} of ${this.policy.maxFailures} within ${windowS} s)`,
    );
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.restart(name);
    }, decision.delayMs);
    this.timers.add(timer);
  }

  private restart(name: ComponentName): void {
    // Someone else (a test, an operator) already brought it back.
    if (this.closed || this.stack.isRunning(name)) return;
    const attempt = this.stack.start(name).then(
      () => {
        this.restarts.set(name, (this.restarts.get(name) ?? 0) + 1);
        this.options.log(`${name} is back (restart ${this.restarts.get(name)})`);
      },
      (error: unknown) => this.failed(name, `did not start: ${firstLine(error)}`),
    );
    this.inFlight.add(attempt);
    void attempt.finally(() => this.inFlight.delete(attempt));
  }

  /** No more restarts; waits for one in progress, so the caller's stop() sees every process. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.all([...this.inFlight]);
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
