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
  /** Called when a copy of a component exits on its own: not through stopComponent, kill, scale or stop. */
  onCrash(listener: (name: ComponentName, exit: ComponentExit, copy: number) => void): void;
  start(name: ComponentName, copy: number): Promise<void>;
  isRunning(name: ComponentName, copy: number): boolean;
  /** False once the copy was scaled in: it is not brought back. */
  hasCopy(name: ComponentName, copy: number): boolean;
  /** `notifier`, or `notifier-2` when the service runs several copies. */
  copies(name: ComponentName): ReadonlyArray<{ readonly copy: number; readonly name: string }>;
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
 * Brings a crashed copy of a component back as a container runtime would: each
 * copy has its own crash history, as each pod has its own back-off. Intended
 * exits (a stop, a test's `stack.kill(name)`) never reach it: the stack
 * reports only exits it did not ask for. A restart that fails to start counts
 * as one more failure.
 */
export class Supervisor {
  private readonly policy: RestartPolicy;
  private readonly histories = new Map<string, CrashHistory>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly now: () => number;
  private closed = false;
  /** Restarts that came up, per copy name (`notifier`, `notifier-2`; for logs and tests). */
  readonly restarts = new Map<string, number>();

  constructor(
    private readonly stack: SupervisedStack,
    private readonly options: SupervisorOptions,
  ) {
    this.policy = { ...DEFAULT_RESTART_POLICY, ...options.policy };
    this.now = options.now ?? Date.now;
    stack.onCrash((name, exit, copy) => this.failed(name, copy, `exited unexpectedly (${describeExit(exit)})`));
  }

  private label(name: ComponentName, copy: number): string {
    return this.stack.copies(name).find((c) => c.copy === copy)?.name ?? `${name}-${copy}`;
  }

  private failed(component: ComponentName, copy: number, what: string): void {
    if (this.closed || !this.stack.hasCopy(component, copy)) return;
    const name = this.label(component, copy);
    let history = this.histories.get(name);
    if (!history) this.histories.set(name, (history = new CrashHistory(this.policy)));
    const decision = history.record(this.now());
    const windowS = Math.round(this.policy.windowMs / 1000);
    if (decision.giveUp) {
      this.closed = true;
      const message = `${name} keeps failing (CrashLoop): ${decision.failures} failures within ${windowS} s, the last one: ${what}. Stopping Parley.`;
      this.options.log(message);
      this.options.onGiveUp(component, message);
      return;
    }
    this.options.log(
      `${name} ${what}; restarting in ${decision.delayMs} ms (failure ${decision.failures} of ${this.policy.maxFailures} within ${windowS} s)`,
    );
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.restart(component, copy, name);
    }, decision.delayMs);
    this.timers.add(timer);
  }

  private restart(component: ComponentName, copy: number, name: string): void {
    // Someone else (a test, an operator) already brought it back, or scaled it in.
    if (this.closed || !this.stack.hasCopy(component, copy) || this.stack.isRunning(component, copy)) return;
    const attempt = this.stack.start(component, copy).then(
      () => {
        this.restarts.set(name, (this.restarts.get(name) ?? 0) + 1);
        this.options.log(`${name} is back (restart ${this.restarts.get(name)})`);
      },
      (error: unknown) => this.failed(component, copy, `did not start: ${firstLine(error)}`),
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
