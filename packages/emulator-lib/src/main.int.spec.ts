import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./fixture-bin.ts', import.meta.url));

/** Runs the fixture bin as a real process, collecting its pino lines. */
function runFixture(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Record<string, unknown>[] = [];
  let stderr = '';
  let buffered = '';
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    const parts = (buffered + chunk.toString()).split('\n');
    buffered = parts.pop() ?? '';
    for (const line of parts) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
    for (const wake of waiters.splice(0)) wake();
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const lineWith = async (msg: string) => {
    for (;;) {
      const line = lines.find((l) => l.msg === msg);
      if (line) return line;
      if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before "${msg}": ${JSON.stringify(lines)} ${stderr}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { child, lines, exit, lineWith, stderr: () => stderr };
}

describe('runEmulator in a bin', () => {
  it('announces ready at LOG_LEVEL=warn, serves, and on SIGTERM logs shutting down and stopped and exits 0', async () => {
    const bin = runFixture([], { LOG_LEVEL: 'warn' });
    try {
      const ready = await bin.lineWith('ready');
      expect(ready).toMatchObject({ name: 'fixture-emulator', level: 30 });
      const res = await fetch(`http://127.0.0.1:${ready.port as number}/`);
      expect(await res.text()).toBe('ok');
      bin.child.kill('SIGTERM');
      expect(await bin.exit).toBe(0);
      // At warn the shutdown's info lines are dropped: only the ready line is written.
      expect(bin.lines.map((l) => l.msg)).toEqual(['ready']);
    } finally {
      bin.child.kill('SIGKILL');
    }
  });

  it('at info logs ready, shutting down, stopped in that order and exits 0', async () => {
    const bin = runFixture([], { LOG_LEVEL: 'info' });
    try {
      await bin.lineWith('ready');
      bin.child.kill('SIGINT');
      expect(await bin.exit).toBe(0);
      expect(bin.lines.map((l) => l.msg)).toEqual(['ready', 'shutting down', 'stopped']);
      expect(bin.lines[1]?.signal).toBe('SIGINT');
    } finally {
      bin.child.kill('SIGKILL');
    }
  });

  it('exits 1 after shutdown failed when close() fails', async () => {
    const bin = runFixture(['--fail-close']);
    try {
      await bin.lineWith('ready');
      bin.child.kill('SIGTERM');
      expect(await bin.exit).toBe(1);
      const failed = bin.lines.find((l) => l.msg === 'shutdown failed');
      expect((failed?.err as { message: string }).message).toBe('flush failed');
      expect(bin.lines.some((l) => l.msg === 'stopped')).toBe(false);
    } finally {
      bin.child.kill('SIGKILL');
    }
  });

  it.each([
    ['--refuse', 'FIXTURE_ARGS_INVALID', 'option --port: "x" is not a port number'],
    ['--crash', 'FIXTURE_UNEXPECTED', 'listen EADDRINUSE'],
  ])('with %s writes one fatal line with code %s and exits 1', async (flag, code, message) => {
    const bin = runFixture([flag]);
    expect(await bin.exit).toBe(1);
    expect(bin.lines).toHaveLength(1);
    expect(bin.lines[0]).toMatchObject({ level: 60, code, msg: message });
    expect(bin.stderr()).toBe('');
  });
});
