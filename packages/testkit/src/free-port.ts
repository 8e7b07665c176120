import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { randomInt } from 'node:crypto';

/** Linux's default first ephemeral port, for machines that do not say theirs. */
const DEFAULT_EPHEMERAL_START = 32768;
/** The lowest port handed out: above the registered ports most local services use. */
const LOWEST_PORT = 20000;
const ATTEMPTS = 50;

/** The first port the kernel gives to outgoing connections and to `listen(0)`. */
export function ephemeralRangeStart(read: () => string = () => readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')): number {
  try {
    const start = Number.parseInt(read().trim().split(/\s+/)[0] ?? '', 10);
    return Number.isInteger(start) && start > 0 ? start : DEFAULT_EPHEMERAL_START;
  } catch {
    return DEFAULT_EPHEMERAL_START;
  }
}

async function canListen(port: number): Promise<boolean> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  const listening = await Promise.race([once(server, 'listening').then(() => true), once(server, 'error').then(() => false)]);
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

/**
 * A port that was free a moment ago, for programs that cannot listen on port 0 and report it.
 * Chosen at random BELOW the ephemeral range: a port from `listen(0)` can be taken, between
 * this check and the program's listen, by any process's outgoing connection (a busy test
 * machine opens thousands), while ports below the range are only ever taken by listeners.
 */
export async function freePort(): Promise<number> {
  const below = ephemeralRangeStart();
  if (below - LOWEST_PORT < 1000) return kernelPort();
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = randomInt(LOWEST_PORT, below);
    if (await canListen(port)) return port;
  }
  return kernelPort();
}
