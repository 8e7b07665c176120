import { createServer } from 'node:net';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canListen, claimPort, ephemeralRangeStart, freePort } from './free-port.js';

describe('freePort', () => {
  it('reads the first ephemeral port, and falls back to Linux default when it cannot', () => {
    expect(ephemeralRangeStart(() => '40000\t60999\n')).toBe(40000);
    expect(ephemeralRangeStart(() => 'nonsense')).toBe(32768);
    expect(
      ephemeralRangeStart(() => {
        throw new Error('no /proc here');
      }),
    ).toBe(32768);
  });

  it('hands out ports below the ephemeral range that a server can then listen on', async () => {
    const start = ephemeralRangeStart();
    for (let i = 0; i < 5; i++) {
      const port = await freePort();
      if (start - 20000 >= 1000) {
        expect(port).toBeGreaterThanOrEqual(20000);
        expect(port).toBeLessThan(start);
      }
      const server = createServer();
      server.listen(port, '127.0.0.1');
      await once(server, 'listening');
      server.close();
      await once(server, 'close');
    }
  });

  it('claims a port once: not again while its claimer lives, again once the claimer is gone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-claims-'));
    try {
      expect(claimPort(24001, dir)).toBe(true);
      expect(claimPort(24001, dir)).toBe(false);
      expect(readFileSync(join(dir, '24001'), 'utf8')).toBe(String(process.pid));

      const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      writeFileSync(join(dir, '24002'), gone.stdout);
      expect(claimPort(24002, dir)).toBe(true);
      expect(readFileSync(join(dir, '24002'), 'utf8')).toBe(String(process.pid));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('canListen', () => {
  it('answers true for a free port and false, without throwing, for one a server holds', async () => {
    const port = await freePort();
    expect(await canListen(port)).toBe(true);
    const holder = createServer();
    holder.listen(port, '127.0.0.1');
    await once(holder, 'listening');
    try {
      expect(await canListen(port)).toBe(false);
    } finally {
      holder.close();
      await once(holder, 'close');
    }
  });
});
