/**
 * This package's tests and bench start the emulator bin and Azurite as child
 * processes themselves (the testkit starts this emulator, so importing the
 * testkit here would make the two packages depend on each other).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DEV_ACCOUNT, DEV_KEY } from '../auth/account.js';

const packageRoot = fileURLToPath(new URL('../..', import.meta.url));
const emulatorBin = fileURLToPath(new URL('../../bin/tables-emulator.js', import.meta.url));
const azuriteBin = fileURLToPath(new URL('../../../../node_modules/.bin/azurite-table', import.meta.url));

export interface StandIn {
  readonly name: string;
  readonly port: number;
  readonly connectionString: string;
  readonly child: ChildProcess;
  /** SIGTERM (SIGKILL after 10 s); resolves once the process is gone. */
  stop(): Promise<void>;
  /** SIGKILL at once, as a crash would. */
  kill(): Promise<void>;
  output(): string[];
}

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  return port;
}

export function devConnectionString(port: number): string {
  return `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT};AccountKey=${DEV_KEY};TableEndpoint=http://127.0.0.1:${port}/${DEV_ACCOUNT};`;
}

async function run(name: string, command: string, args: string[], ready: (line: string) => { port: number } | undefined, cwd = packageRoot): Promise<StandIn> {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const exited = once(child, 'exit');
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} was not ready within 30 s:\n${lines.slice(-20).join('\n')}`));
    }, 30_000);
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        if (lines.length > 400) lines.shift();
        const info = ready(line);
        if (info) {
          clearTimeout(timer);
          resolve(info.port);
        }
      });
    }
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before it was ready:\n${lines.slice(-20).join('\n')}`));
    });
  });
  const gone = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { name, port, connectionString: devConnectionString(port), child, stop: () => gone('SIGTERM'), kill: () => gone('SIGKILL'), output: () => lines };
}

/** The bin on an ephemeral port (or `port`), in memory unless `dataDir` is given; `args` are passed on (`--https-port 0`), `cwd` is the package's by default. */
export function startEmulator(options: { dataDir?: string; port?: number; args?: readonly string[]; cwd?: string } = {}): Promise<StandIn> {
  const args = [emulatorBin, '--port', String(options.port ?? 0), ...(options.dataDir ? ['--data-dir', options.dataDir] : ['--in-memory']), ...(options.args ?? [])];
  return run('tables-emulator', process.execPath, args, (line) => {
    if (!line.startsWith('{')) return undefined;
    try {
      const entry = JSON.parse(line) as { msg?: string; port?: number };
      return entry.msg === 'ready' && entry.port ? { port: entry.port } : undefined;
    } catch {
      return undefined;
    }
  }, options.cwd);
}

/** Azurite's table service in memory, as the testkit starts it. */
export async function startAzurite(): Promise<StandIn> {
  const port = await freePort();
  const args = ['--tableHost', '127.0.0.1', '--tablePort', String(port), '--disableTelemetry', '--skipApiVersionCheck', '--inMemoryPersistence'];
  return run('azurite', azuriteBin, args, (line) => (line.includes('successfully') ? { port } : undefined));
}
