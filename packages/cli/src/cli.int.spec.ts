import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { freePort, startAzurite, startServiceBus, type StandIn } from '@parley/testkit';
import { isolatedDir, runBin } from './testing/harness.js';

/** Every error path through the real bin: one line on stderr with its code, and the documented exit code. */
describe('parley bin: errors and exit codes', () => {
  let dir: string;
  let stackFile: string;
  let closedPort: number;
  beforeAll(async () => {
    ({ dir, stackFile } = await isolatedDir());
    closedPort = await freePort();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const bin = (args: string[], env: Record<string, string> = {}) => runBin(args, { PARLEY_STACK_FILE: stackFile, ...env }, dir);
  const range = ['--from', '2025-01-01T00:00Z', '--to', '2025-01-01T02:00Z'];

  it.each([
    ['an unparseable time', ['replay', '--from', 'last tuesday', '--to', '2025-01-01'], /--from "last tuesday" is not an ISO 8601 time .*\[PARLEY_CLI_RANGE_INVALID\]/],
    ['from after to', ['replay', '--from', '2025-01-02', '--to', '2025-01-01'], /must be before --to .*\[PARLEY_CLI_RANGE_INVALID\]/],
    ['a range over 31 days', ['replay', '--from', '2025-01-01', '--to', '2025-03-01'], /spans 59.0 days, more than 31; pass --force .*\[PARLEY_CLI_RANGE_INVALID\]/],
    ['an unknown type', ['replay', ...range, '--type', 'message,joined'], /unknown event type "joined"/],
    ['an unknown entity', ['dlq', 'list', '--entity', 'chat-events'], /unknown entity "chat-events"; one of: chat-events\/chat-worker, notifications \[PARLEY_CLI_ENTITY_UNKNOWN\]/],
    ['a missing entity', ['dlq', 'peek'], /--entity is required; one of: chat-events\/chat-worker, notifications/],
    ['an unknown dlq action', ['dlq', 'drop', '--entity', 'notifications'], /unknown action "drop"; one of list, peek, resubmit, purge/],
    ['an unknown command', ['replya'], /unknown command "replya"; one of replay, rebuild, dlq, upstream, trace, capacity, erase-user .*\[PARLEY_CLI_USAGE\]/],
    ['an unknown flag', ['replay', '--form', 'x'], /replay: Unknown option '--form'/],
    ['a bad --max', ['dlq', 'peek', '--entity', 'notifications', '--max', '0'], /--max must be a positive integer/],
    ['no configuration', ['dlq', 'list', '--entity', 'notifications'], /no Service Bus configured: pass --servicebus, set SERVICEBUS_CONNECTION_STRING or SERVICEBUS_NAMESPACE, or start the local stack .*\[PARLEY_CLI_CONFIG_MISSING\]/],
    ['a bad settings file', ['upstream', 'set', 'nowhere.json'], /cannot read nowhere.json: ENOENT \[PARLEY_CLI_INPUT_INVALID\]/],
    ['upstream add without --url', ['upstream', 'add', '--hub', 'chat', '--event', '*'], /upstream add: --url required/],
  ])('%s: exit 1', async (_what, args, message) => {
    const result = await bin(args);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.code).toBe(1);
  });

  it('a bad connection string names its variable: exit 1', async () => {
    const result = await bin(['upstream', 'get'], { SIGNALR_CONNECTION_STRING: 'Endpoint=http://127.0.0.1;Version=1.0' });
    expect(result.stderr).toMatch(/SIGNALR_CONNECTION_STRING: connection string has no AccessKey \[PARLEY_CLI_CONFIG_INVALID\]/);
    expect(result.code).toBe(1);
  });

  it.each([
    [
      'Table Storage',
      () => ['replay', ...range],
      () => ({ TABLES_CONNECTION_STRING: `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:${closedPort}/devstoreaccount1;`, SERVICEBUS_CONNECTION_STRING: 'Endpoint=sb://127.0.0.1:1;UseDevelopmentEmulator=true' }),
      () => `Table Storage unreachable at http://127.0.0.1:${closedPort}/devstoreaccount1 (connection refused)`,
    ],
    [
      'Service Bus',
      () => ['dlq', 'list', '--entity', 'notifications'],
      () => ({ SERVICEBUS_CONNECTION_STRING: `Endpoint=sb://127.0.0.1:${closedPort};SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;` }),
      () => `Service Bus unreachable at sb://127.0.0.1:${closedPort} (connection refused)`,
    ],
    [
      'SignalR',
      () => ['upstream', 'get'],
      () => ({ SIGNALR_CONNECTION_STRING: `Endpoint=http://127.0.0.1;Port=${closedPort};AccessKey=k;Version=1.0;` }),
      () => `SignalR service unreachable at http://127.0.0.1:${closedPort} while trying to read the upstream settings (connection refused)`,
    ],
  ])('an unreachable %s: one line naming service and place, exit 2', async (_what, args, env, message) => {
    const result = await bin(args(), env());
    expect(result.stderr).toContain(message());
    expect(result.stderr).toContain('[PARLEY_CLI_SERVICE_UNREACHABLE]');
    expect(result.code).toBe(2);
  });

  it('--help exits 0, no command exits 1 with the usage on stderr', async () => {
    const help = await bin(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: parley <command>/);
    expect(help.stdout).toContain('.parley/stack.json');
    const none = await bin([]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^Usage: parley <command>/);
    const replayHelp = await bin(['replay', '--help']);
    expect(replayHelp).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: parley replay --from ISO --to ISO/) });
  });
});

describe('parley bin: success against the real stand-ins', () => {
  let dir: string;
  let stackFile: string;
  let azurite: StandIn;
  let broker: StandIn;
  beforeAll(async () => {
    ({ dir, stackFile } = await isolatedDir());
    [azurite, broker] = await Promise.all([startAzurite(), startServiceBus()]);
  });
  afterAll(async () => {
    await Promise.all([azurite?.stop(), broker?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  // The process must exit by itself once done: every client it opened is closed.
  it('replays an empty range and exits 0', async () => {
    const result = await runBin(['replay', '--from', '2025-01-01', '--to', '2025-01-01T03:00Z'], {
      PARLEY_STACK_FILE: stackFile,
      TABLES_CONNECTION_STRING: azurite.connectionString,
      SERVICEBUS_CONNECTION_STRING: broker.connectionString,
    }, dir);
    expect(result).toMatchObject({ code: 0, stdout: 'read 0, sent 0, skipped 0\n' });
    expect(result.stderr).toContain('replay: 3/3 hours');
  });

  it('lists an empty dead-letter queue and exits 0', async () => {
    const result = await runBin(['dlq', 'list', '--entity', 'chat-events/chat-worker'], { PARLEY_STACK_FILE: stackFile, SERVICEBUS_CONNECTION_STRING: broker.connectionString }, dir);
    expect(result).toMatchObject({ code: 0, stdout: 'chat-events/chat-worker/$DeadLetterQueue: 0 message(s)\n' });
  });
});
