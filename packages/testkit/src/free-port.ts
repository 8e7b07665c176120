import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { randomInt } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Linux's default first ephemeral port, for machines that do not say theirs. */
const DEFAULT_EPHEMERAL_START = 32768;
/** The lowest port handed out: above the registered ports most local services use. */
const LOWEST_PORT = 20000;
const ATTEMPTS = 50;
/** Where the ports handed out are claimed, one file per port holding the claiming pid. */
const CLAIMS_DIR = join(tmpdir(), 'parley-ports');
/** A claim older than this is void even if its process lives (a long watch session). */
const CLAIM_HOLD_MS = 30 * 60_000;

/** The first port the kernel gives to outgoing connections and to `listen(0)`. */
export function ephemeralRangeStart(read: () => string = () => readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')): number {
  try {
    const start = Number.parseInt(read().trim().split(/\s+/)[0] ?? '', 10);
    return Number.isInteger(start) && start > 0 ? start : DEFAULT_EPHEMERAL_START;
  } catch {
    return DEFAULT_EPHEMERAL_START;
  }
}

/**
 * Whether a server can listen on this port of 127.0.0.1 right now (it is closed again).
 * Not `once(server, 'listening')`: that rejects on the server's 'error', so a busy port
 * would throw instead of answering false.
 */
export async function canListen(port: number): Promise<boolean> {
  const server = createServer();
  const listening = await new Promise<boolean>((settle) => {
    server.once('listening', () => settle(true));
    server.once('error', () => settle(false));
    server.listen(port, '127.0.0.1');
  });
  if (listening) {
    server.close();
    await once(server, 'close');
  }
  return listening;
}

async function kernelPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  return typeof address === 'object' && address ? address.port : 0;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function claimIsVoid(file: string): boolean {
  try {
    const age = Date.now() - statSync(file).mtimeMs;
    return age > CLAIM_HOLD_MS || !isAlive(Number(readFileSync(file, 'utf8')));
  } catch {
    return true;
  }
}

/**
 * Claims `port` for this process against every other test process on the machine. A port
 * checked free is not yet bound: the program that will listen on it starts seconds later, and
 * meanwhile a test running in parallel could draw the same port. A claim lasts while the
 * claiming process lives (at most CLAIM_HOLD_MS); a port is claimed once per process too.
 */
export function claimPort(port: number, dir: string = CLAIMS_DIR): boolean {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !claimIsVoid(file)) return false;
      rmSync(file, { force: true });
    }
  }
  return false;
}

/**
 * A port that was free a moment ago, for programs that cannot listen on port 0 and report it.
 * Chosen at random BELOW the ephemeral range: a port from `listen(0)` can be taken, between
 * this check and the program's listen, by any process's outgoing connection (a busy test
 * machine opens thousands), while ports below the range are only ever taken by listeners.
 * Each port is claimed (`claimPort`), so two test processes never draw the same one.
 */
export async function freePort(): Promise<number> {
  const below = ephemeralRangeStart();
  if (below - LOWEST_PORT < 1000) return kernelPort();
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = randomInt(LOWEST_PORT, below);
    if (claimPort(port) && (await canListen(port))) return port;
  }
  return kernelPort();
}
