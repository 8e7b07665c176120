import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../bin/servicebus-emulator.js', import.meta.url));

export interface ChildBroker {
  readonly child: ChildProcess;
  readonly port: number;
  readonly connectionString: string;
  readonly lines: string[];
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
}

/** Runs the bin as a child process and waits for its single "ready" log line. */
export function startChildBroker(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildBroker> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  const lines: string[] = [];
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`broker did not log ready: ${lines.join('\n')}`)), 30_000);
    child.stderr?.on('data', (d: Buffer) => lines.push(d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString();
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        lines.push(line);
        try {
          const entry = JSON.parse(line) as { msg?: string; port?: number; connectionString?: string };
          if (entry.msg === 'ready' && entry.port && entry.connectionString) {
            clearTimeout(timer);
            resolve({ child, port: entry.port, connectionString: entry.connectionString, lines, exited });
          }
        } catch {
          // not JSON: kept in lines for diagnostics
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`broker exited (${code}) before ready: ${lines.join('\n')}`));
    });
  });
}
