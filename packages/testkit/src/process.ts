import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The workspace root: packages/testkit/src → ../../.. */
export const WORKSPACE_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const binPath = (name: string) => join(WORKSPACE_ROOT, 'node_modules', '.bin', name);

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Resolves with a value once a stdout/stderr line shows the process is ready. */
  ready: (line: string) => Record<string, unknown> | undefined;
  readyTimeoutMs?: number;
  /** Called with every output line (for tests that want to see the logs). */
  onLine?: (line: string) => void;
  /** Own process group: a terminal's Ctrl-C reaches only the parent, which stops children in order. */
  detached?: boolean;
}

export interface RunningProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly readyInfo: Record<string, unknown>;
  /** SIGTERM, then SIGKILL after a grace period; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
  /** SIGKILL at once, as a crash would. */
  kill(): Promise<void>;
  output(): string[];
}

const keptLines = 400;

export async function startProcess(spec: ProcessSpec): Promise<RunningProcess> {
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd ?? WORKSPACE_ROOT,
    env: { ...process.env, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: spec.detached ?? false,
  });
  const lines: string[] = [];
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const readyInfo = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${spec.name} was not ready within ${spec.readyTimeoutMs ?? 30_000} ms:\n${lines.slice(-30).join('\n')}`));
    }, spec.readyTimeoutMs ?? 30_000);
    let settled = false;
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        if (lines.length > keptLines) lines.shift();
        spec.onLine?.(line);
        if (settled) return;
        const info = spec.ready(line);
        if (info) {
          settled = true;
          clearTimeout(timer);
          resolve(info);
        }
      });
    }
    void exited.then(([code, signal]) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(new Error(`${spec.name} exited (${code ?? signal}) before it was ready:\n${lines.slice(-30).join('\n')}`));
    });
  });

  const stop = async (graceMs = 10_000): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const [code] = await exited;
    clearTimeout(timer);
    return code;
  };
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  };
  return { name: spec.name, child, readyInfo, stop, kill, output: () => [...lines] };
}

/** Ready when a pino JSON line says `"msg":"ready"`; returns that line's fields. */
export function pinoReady(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    return parsed.msg === 'ready' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The pino JSON lines of a process's output, parsed; other lines (a stack trace, npm's) are left out. */
export function pinoEntries(lines: readonly string[]): Record<string, unknown>[] {
  return lines.flatMap((line) => (line.startsWith('{') ? [JSON.parse(line) as Record<string, unknown>] : []));
}

/**
 * The service-kit shutdown steps a process logged as done, in the order they ran. At exit pino
 * may write a line after a later one, so the lines are ordered by their `order` field.
 */
export function shutdownStepsDone(lines: readonly string[]): string[] {
  return pinoEntries(lines)
    .filter((entry) => entry.msg === 'shutdown step done')
    .sort((a, b) => Number(a.order) - Number(b.order))
    .map((entry) => String(entry.step));
}

/**
 * Polls `check` until it returns something other than `undefined` or `false`, and
 * returns that. A check that throws is retried too; past `timeoutMs` the last
 * error (if any) is reported with `what`.
 */
export async function eventually<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 15_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
