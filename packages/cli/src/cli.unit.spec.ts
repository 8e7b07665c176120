import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HELP, run } from './cli.js';
import type { CliIo } from './io.js';

function captureIo(): CliIo & { out: () => string; err: () => string } {
  let stdout = '';
  let stderr = '';
  return {
    env: {},
    cwd: '/',
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdinIsTTY: false,
    readLine: async () => undefined,
    readStdin: async () => '',
    out: () => stdout,
    err: () => stderr,
  };
}

describe('parley --version and --help', () => {
  const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

  it.each(['--version', '-V', 'version'])('%s prints the package version alone and exits 0', async (flag) => {
    const io = captureIo();
    expect(await run([flag], io)).toBe(0);
    expect(io.out()).toBe(`${version}\n`);
    expect(io.err()).toBe('');
  });

  it('--help names --version and --json', async () => {
    const io = captureIo();
    expect(await run(['--help'], io)).toBe(0);
    expect(io.out()).toBe(`${HELP}\n`);
    expect(HELP).toContain('parley --version');
    expect(HELP).toContain('--json');
  });
});
