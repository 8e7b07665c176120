import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { eventually, freePort, WORKSPACE_ROOT } from '@parley/testkit';
import { DEFAULT_PORTS, OPS_PORTS } from './ports.js';
import { ChatClient } from './chat-client.js';
import { startTestStack, unique } from './e2e-setup.js';
import type { Stack } from './stack.js';

describe('restarting the chat-worker and the notifier under traffic', () => {
  let stack: Stack;
  let cleanup: () => Promise<void>;
  let sender: ChatClient;
  let receiver: ChatClient;

  beforeAll(async () => {
    // The traffic runs at ~40 frames/s from one user: lift the per-user rate limit (not under test here).
    ({ stack, cleanup } = await startTestStack({ inMemory: false, env: { gateway: { RATE_LIMIT_PER_SECOND: '500', RATE_LIMIT_BURST: '500' } } }));
    sender = await ChatClient.connect(stack.gatewayUrl, unique('sender'));
    receiver = await ChatClient.connect(stack.gatewayUrl, unique('receiver'));
    await Promise.all([sender, receiver].map((client) => client.waitFor((f) => f.type === 'state')));
  });
  afterAll(async () => {
    await sender?.close();
    await receiver?.close();
    await cleanup?.();
  });

  it('loses no acked message', async () => {
    const acked: string[] = [];
    let running = true;
    const traffic = (async () => {
      for (let i = 0; running && i < 400; i++) {
        const id = `r${i}`;
        const ack = await sender.request({ type: 'send', id, to: receiver.user, text: `resilient ${i}` }, 20_000).catch(() => undefined);
        if (ack?.ok === true) acked.push(id);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    await eventually(() => acked.length >= 20, 'traffic started', 30_000);
    await stack.restart('chat-worker', 'kill');
    await eventually(() => acked.length >= 60, 'traffic after worker restart', 30_000);
    await stack.restart('notifier', 'kill');
    await eventually(() => acked.length >= 100, 'traffic after notifier restart', 30_000);
    running = false;
    await traffic;

    // Every acked message reaches the receiver (de-duplicated by server id, as the page shows them)…
    await eventually(() => acked.every((id) => receiver.messages((f) => f.clientId === id).length === 1), 'every acked message delivered', 90_000);
    // …and is in history exactly once.
    const stored = new Map<string, number>();
    let before: string | null = null;
    do {
      const id: string = `page-${stored.size}-${before ?? 'first'}`;
      sender.send({ type: 'history', id, with: receiver.user, limit: 100, ...(before ? { before } : {}) });
      const answer = await sender.waitFor((f) => f.type === 'history' && f.id === id);
      for (const message of answer.messages as Array<{ clientId: string }>) stored.set(message.clientId, (stored.get(message.clientId) ?? 0) + 1);
      before = answer.next as string | null;
    } while (before);
    for (const id of acked) expect(stored.get(id), `history count of ${id}`).toBe(1);
    expect(acked.length).toBeGreaterThanOrEqual(100);
  });
});

/** `npm start` itself (main.ts in its own process, as the bin runs it, without the page build), on free ports. */
describe('npm start survives a crashed component', () => {
  let child: ChildProcess | undefined;
  const output: string[] = [];
  let dataDir = '';

  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      await once(child, 'exit');
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const sawLine = (pattern: RegExp, what: string, timeoutMs = 60_000) => eventually(() => output.find((line) => pattern.test(line)), what, timeoutMs);
  /** Children of the stack process with their command lines: the processes `npm start` runs. */
  const childProcesses = () =>
    execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(child!.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((line) => ({ pid: Number(line.trim().split(/\s+/)[0]), args: line }));
  const notifierPid = () => childProcesses().find((p) => p.args.includes('services/notifier/src/main.ts'))?.pid;
  /** The process exists (not yet reaped by its parent): its sockets may still be closing. */
  const exists = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  /** Exists and is not a zombie (an orphan's exit waits for PID 1 to reap it in a container). */
  const running = (pid: number) => {
    if (!exists(pid)) return false;
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };

  it('names the component and its signal, brings it back, and stops everything with a message on a crash loop', { timeout: 240_000 }, async () => {
    // On failure, the stack's own output says why.
    onTestFailed(() => console.log(output.slice(-60).join('\n')));
    dataDir = await mkdtemp(join(tmpdir(), 'parley-npm-start-'));
    const ports: Record<string, string> = {};
    for (const { variable } of [...Object.values(DEFAULT_PORTS), ...Object.values(OPS_PORTS)]) ports[variable] = String(await freePort());
    child = spawn(process.execPath, ['--import', 'tsx', join(WORKSPACE_ROOT, 'packages/stack/src/main.ts'), '--in-memory', '--data-dir', dataDir, '--quiet'], {
      cwd: WORKSPACE_ROOT,
      env: { ...process.env, ...ports },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => output.push(line));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    await sawLine(/Parley is running/, 'npm start ready', 150_000);

    // kill -9 of the notifier: logged with its signal, restarted, ready again.
    const first = await eventually(notifierPid, 'the notifier process');
    process.kill(first, 'SIGKILL');
    await sawLine(/\[stack\].*notifier exited unexpectedly \(signal SIGKILL\); restarting in \d+ ms/, 'the crash logged');
    await sawLine(/\[stack\].*notifier is back \(restart 1\)/, 'the notifier restarted');
    const second = await eventually(notifierPid, 'the new notifier process');
    expect(second).not.toBe(first);
    const readyz = `http://127.0.0.1:${ports[DEFAULT_PORTS.notifier.variable]}/readyz`;
    await eventually(async () => (await fetch(readyz)).status === 200, 'the restarted notifier ready');

    // Its port taken, the notifier cannot come back: every restart fails until the crash loop stops the stack.
    const others = childProcesses().filter((p) => p.pid !== second).map((p) => p.pid);
    process.kill(second, 'SIGKILL');
    await eventually(() => !exists(second), 'the notifier gone');
    // The supervisor waits 1 s (second failure) before the restart: time enough to take the port.
    const blocker = createServer().listen(Number(ports[DEFAULT_PORTS.notifier.variable]), '127.0.0.1');
    try {
      await once(blocker, 'listening');
      const [code] = await exited;
      expect(code).toBe(1);
      expect(output.some((line) => /notifier keeps failing \(CrashLoop\): 5 failures within 60 s, the last one: did not start/.test(line))).toBe(true);
      expect(output).toContain('Parley stopped.');
      for (const pid of others) await eventually(() => !running(pid), `process ${pid} stopped with the stack`, 10_000);
    } finally {
      blocker.close();
    }
  });
});

/** `npm start -- --scale`: every copy listed, a working chat through the gateways' one port, one copy brought back alone. */
describe('npm start -- --scale gateway=2,chat-worker=2,notifier=2', () => {
  let child: ChildProcess | undefined;
  const output: string[] = [];
  let dataDir = '';
  const clients: ChatClient[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      await once(child, 'exit');
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const sawLine = (pattern: RegExp, what: string, timeoutMs = 60_000) => eventually(() => output.find((line) => pattern.test(line)), what, timeoutMs);
  interface ListedCopy {
    name: string;
    component: string;
    pid: number;
    port: number;
    opsPort: number;
  }
  const listed = () => (JSON.parse(readFileSync(join(dataDir, 'stack.json'), 'utf8')) as { copies: ListedCopy[] }).copies;

  it('lists every copy in stack.json, chats through the one gateway port, and restarts a killed copy on its own', { timeout: 300_000 }, async () => {
    onTestFailed(() => console.log(output.slice(-60).join('\n')));
    dataDir = await mkdtemp(join(tmpdir(), 'parley-npm-start-scale-'));
    const ports: Record<string, string> = {};
    for (const { variable } of [...Object.values(DEFAULT_PORTS), ...Object.values(OPS_PORTS)]) ports[variable] = String(await freePort());
    child = spawn(
      process.execPath,
      ['--import', 'tsx', join(WORKSPACE_ROOT, 'packages/stack/src/main.ts'), '--in-memory', '--data-dir', dataDir, '--quiet', '--scale', 'gateway=2,chat-worker=2,notifier=2'],
      { cwd: WORKSPACE_ROOT, env: { ...process.env, ...ports }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    for (const stream of [child.stdout!, child.stderr!]) createInterface({ input: stream }).on('line', (line) => output.push(line));
    await sawLine(/Parley is running/, 'npm start ready', 200_000);
    expect(output.some((line) => /the gateways share :\d+ through a round-robin proxy/.test(line))).toBe(true);

    const services = listed().filter((copy) => ['gateway', 'chat-worker', 'notifier'].includes(copy.component));
    expect(services.map((copy) => copy.name)).toEqual(['gateway-1', 'gateway-2', 'chat-worker-1', 'chat-worker-2', 'notifier-1', 'notifier-2']);
    expect(new Set(services.map((copy) => copy.pid)).size).toBe(6);
    for (const copy of services) {
      const readyz = await fetch(`http://127.0.0.1:${copy.opsPort}/readyz`);
      await readyz.arrayBuffer();
      expect(readyz.status, `${copy.name} /readyz`).toBe(200);
    }

    const gatewayUrl = `http://127.0.0.1:${ports[DEFAULT_PORTS.gateway.variable]}`;
    const connect = async (name: string) => {
      const client = await ChatClient.connect(gatewayUrl, name);
      clients.push(client);
      await client.waitFor((f) => f.type === 'state');
      return client;
    };
    const alice = await connect(unique('alice'));
    const bob = await connect(unique('bob'));
    expect(await alice.request({ type: 'send', id: 'scaled-1', to: bob.user, text: 'through two gateways' })).toMatchObject({ ok: true });
    await bob.waitFor((f) => f.type === 'message' && f.clientId === 'scaled-1');

    // kill -9 of one notifier copy: named, brought back alone, listed with its new pid; the other copy kept its pid.
    const [first, second] = services.filter((copy) => copy.component === 'notifier') as [ListedCopy, ListedCopy];
    process.kill(second.pid, 'SIGKILL');
    await sawLine(/\[stack\].*notifier-2 exited unexpectedly \(signal SIGKILL\); restarting in \d+ ms/, 'the crash logged');
    await sawLine(/\[stack\].*notifier-2 is back \(restart 1\)/, 'the copy restarted');
    await eventually(() => {
      const notifiers = listed().filter((copy) => copy.component === 'notifier');
      return notifiers[0]?.pid === first.pid && notifiers[1]?.pid !== second.pid && notifiers[1]?.port === second.port;
    }, 'stack.json lists the new pid of notifier-2 at its old port');
    expect(await alice.request({ type: 'send', id: 'scaled-2', to: bob.user, text: 'after the restart' })).toMatchObject({ ok: true });
    await bob.waitFor((f) => f.type === 'message' && f.clientId === 'scaled-2');
  });
});
