import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './temp-dir.js';

describe('tempDir', () => {
  it('makes a new directory each call, inside the test run’s own root (removed when the run ends)', () => {
    const [a, b] = [tempDir('parley-testkit-'), tempDir('parley-testkit-')];
    expect(a).not.toBe(b);
    expect(existsSync(a) && existsSync(b)).toBe(true);
    expect(process.env.PARLEY_TEST_TMPDIR).toBeTruthy();
    expect(dirname(a)).toBe(process.env.PARLEY_TEST_TMPDIR);
  });

  it('outside a test run, removes its directories, files and all, when the process exits', () => {
    const module = fileURLToPath(new URL('./temp-dir.ts', import.meta.url));
    const script = `const { tempDir } = await import(${JSON.stringify(module)});
      const { writeFileSync } = await import('node:fs');
      const dirs = [tempDir('parley-testkit-'), tempDir('parley-testkit-')];
      writeFileSync(dirs[0] + '/file.json', '{}');
      console.log(JSON.stringify(dirs));`;
    const env = { ...process.env, PARLEY_TEST_TMPDIR: '' };
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env });
    const dirs = JSON.parse(output.trim()) as string[];
    expect(dirs).toHaveLength(2);
    for (const dir of dirs) expect(existsSync(dir), dir).toBe(false);
  });
});
