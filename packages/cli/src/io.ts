import { createInterface } from 'node:readline';

export type Env = Readonly<Record<string, string | undefined>>;

export interface OutStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Everything the CLI touches of its process, so tests can run it in-process. */
export interface CliIo {
  readonly env: Env;
  readonly cwd: string;
  readonly stdout: OutStream;
  readonly stderr: OutStream;
  readonly stdinIsTTY: boolean;
  /** One line typed by the operator (confirmations); undefined at end of input. */
  readLine(prompt: string): Promise<string | undefined>;
  /** The whole of stdin (`parley upstream set -`). */
  readStdin(): Promise<string>;
}

export function processIo(): CliIo {
  return {
    env: process.env,
    cwd: process.cwd(),
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: process.stdin.isTTY === true,
    async readLine(prompt) {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await new Promise<string | undefined>((resolve) => {
          rl.once('close', () => resolve(undefined));
          rl.question(prompt, resolve);
        });
      } finally {
        rl.close();
      }
    },
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

/**
 * Destructive commands ask on a terminal unless `--yes`; scripts (no TTY on
 * stdin) are taken to know what they do.
 */
export async function confirm(io: CliIo, question: string, yes: boolean): Promise<boolean> {
  if (yes || !io.stdinIsTTY) return true;
  const answer = await io.readLine(`${question} Type "yes" to go on: `);
  return answer?.trim().toLowerCase() === 'yes';
}
