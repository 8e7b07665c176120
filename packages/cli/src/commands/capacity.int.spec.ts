import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { isolatedDir, runBin } from '../testing/harness.js';

/** `parley capacity` through the real bin, against the repository's bench results and a bench file of our own. */
// Each case starts the bin (tsx compiles on a cold start): on a loaded machine that alone takes seconds.
describe('parley capacity', { timeout: 120_000 }, () => {
  let dir: string;
  beforeAll(async () => {
    ({ dir } = await isolatedDir());
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const bin = (args: string[], env: Record<string, string> = {}) => runBin(['capacity', ...args], env, dir);

  it('prints the three sizes from the committed bench results, each with its first limit and the sources', async () => {
    const result = await bin([]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const users of ['10,000', '100,000', '1,000,000']) expect(result.stdout).toMatch(new RegExp(`^\\| ${users} \\| .* \\|$`, 'm'));
    expect(result.stdout).toContain('from bench/results/latest.json, run "ramp-300" (rooms of 10, 300 messages/s, 2026-12-07)');
    expect(result.stdout).toMatch(/^\| 1,000,000 \| 16,667 \| 166,667 \|/m);
    expect(result.stdout).toContain('https://learn.microsoft.com/en-us/azure/azure-web-pubsub/concept-performance');
    expect(result.stdout).toContain('https://learn.microsoft.com/en-us/azure/storage/tables/scalability-targets');
  });

  it('sizes one size from a given bench file as JSON, with PARTITIONS from the environment', async () => {
    const bench = join(dir, 'bench.json');
    const run = {
      name: 'rooms',
      kind: 'groups',
      roomSize: 10,
      offeredPerSecond: 100,
      cpuMsPerMessage: { gateway: 1, 'chat-worker': 3, notifier: 2 },
      counts: { busOperationsPerMessage: 6, tableRoundTripsPerEvent: { 'message.send': 2 } },
    };
    await writeFile(bench, JSON.stringify({ runs: [run] }));
    const result = await bin(['--users', '600_000', '--rate', '6', '--room-size', '10', '--bench', bench, '--json'], { PARTITIONS: '128' });
    expect(result.code).toBe(0);
    const answer = JSON.parse(result.stdout) as { plans: Array<{ users: number; messagesPerSecond: number; replicas: Record<string, number>; partitions: number; limits: Array<{ name: string }> }> };
    expect(answer.plans).toHaveLength(1);
    // 60,000 msg/s; 3 ms of worker CPU each at 0.7 core a replica.
    expect(answer.plans[0]).toMatchObject({ users: 600_000, messagesPerSecond: 60_000, replicas: { 'chat-worker': 258 } });
    expect(answer.plans[0]!.limits.map((l) => l.name)).toContain('sessions (PARTITIONS=128) busy 70 % at most');
  });

  it.each([
    [['--users', 'many'], /capacity: --users must be a positive whole number, got "many" \[PARLEY_CLI_USAGE\]/],
    [['--rate', '0'], /capacity: --rate must be a positive number, got "0"/],
    [['--bench', 'nowhere.json'], /cannot read the bench results .*nowhere.json: ENOENT \[PARLEY_CLI_INPUT_INVALID\]/],
  ])('refuses %j with a coded one-line error and exit 1', async (args, message) => {
    const result = await bin(args);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.code).toBe(1);
  });

  it('refuses a bench file without room runs, saying what is missing', async () => {
    const bench = join(dir, 'empty.json');
    await writeFile(bench, JSON.stringify({ runs: [{ name: 'echo', kind: 'echo' }] }));
    const result = await bin(['--bench', bench]);
    expect(result.stderr).toMatch(/has no room run \(kind "groups"\) with cpuMsPerMessage: run npm run bench first \[PARLEY_CLI_INPUT_INVALID\]/);
    expect(result.code).toBe(1);
  });
});
