import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import { PARLEY_SERVICEBUS_CONFIG, tempDir } from '@parley/testkit';
import { run } from '../cli.js';
import type { CliIo } from '../io.js';

export const BIN = fileURLToPath(new URL('../../bin/parley.js', import.meta.url));

export interface Captured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** A directory with an empty stack file, so a developer's .parley/stack.json never leaks into a test. */
export async function isolatedDir(): Promise<{ dir: string; stackFile: string }> {
  const dir = tempDir('parley-cli-');
  const stackFile = join(dir, 'stack.json');
  await writeFile(stackFile, '{}');
  return { dir, stackFile };
}

/** Runs the CLI in-process with captured output (non-TTY, so plain progress lines). */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined>,
  cwd: string,
  stdin = '',
  terminal?: { answer: string },
): Promise<Captured> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    env,
    cwd,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdinIsTTY: terminal !== undefined,
    readLine: async (prompt) => {
      stderr += prompt;
      return terminal?.answer;
    },
    readStdin: async () => stdin,
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

/** Runs the real bin as a child process, the way an operator does. */
export async function runBin(argv: string[], env: Record<string, string | undefined>, cwd: string): Promise<Captured> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(SERVICEBUS_|TABLES_|SIGNALR_|PARLEY_|HUB$|PARTITIONS$)/.test(name)),
  );
  const child = spawn(process.execPath, [BIN, ...argv], { cwd, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code: code ?? -1, stdout, stderr };
}

/**
 * Parley's broker config plus a plain (sessionless) subscription `probe` on
 * chat-events, so tests can read back what the CLI sent while no worker runs.
 */
export async function brokerConfigWithProbe(dir: string, change?: (config: BrokerJson) => void): Promise<string> {
  const config = JSON.parse(await readFile(PARLEY_SERVICEBUS_CONFIG, 'utf8')) as BrokerJson;
  const namespace = config.UserConfig.Namespaces[0]!;
  const topic = namespace.Topics.find((candidate) => candidate.Name === 'chat-events')!;
  topic.Subscriptions.push({ Name: 'probe', Properties: { LockDuration: 'PT30S', MaxDeliveryCount: 10 } });
  change?.(config);
  const path = join(dir, 'servicebus.json');
  await writeFile(path, JSON.stringify(config, null, 2));
  return path;
}

export interface EntityJson {
  Name: string;
  Properties: Record<string, unknown>;
}
export interface BrokerJson {
  UserConfig: { Namespaces: { Name: string; Queues: EntityJson[]; Topics: (EntityJson & { Subscriptions: EntityJson[] })[] }[] };
}

/** Receives until `count` messages came or `timeoutMs` passed (polling, no fixed sleeps). */
export async function receiveAll(receiver: ServiceBusReceiver, count: number, timeoutMs = 20_000): Promise<ServiceBusReceivedMessage[]> {
  const messages: ServiceBusReceivedMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  while (messages.length < count && Date.now() < deadline) {
    messages.push(...(await receiver.receiveMessages(count - messages.length, { maxWaitTimeInMs: 1_000 })));
  }
  return messages;
}

/** Polls a condition until it holds or the time is up; returns its last value. */
export async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

