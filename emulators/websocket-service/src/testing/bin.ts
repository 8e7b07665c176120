import { spawn, type ChildProcess } from 'node:child_process';

export interface BinRun {
  readonly child: ChildProcess;
  /** stdout pino lines, parsed. */
  readonly lines: Record<string, unknown>[];
  readonly stderr: string[];
  exit: Promise<number | null>;
}

/** Runs one of the package's bins with Node, collecting its JSON log lines. */
export function runBin(bin: string, args: string[], env: Record<string, string> = {}): BinRun {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, stderr, exit };
}
