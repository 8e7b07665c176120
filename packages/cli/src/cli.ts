import { readFileSync } from 'node:fs';
import { ExitCodes, isCliError, usageError } from './errors.js';
import type { CliIo } from './io.js';

export const HELP = `Usage: parley <command> [options]
       parley --version

Commands:
  replay     re-drive a time range of the event log through chat-events
  rebuild    clear the projections and rebuild them from the whole event log
  dlq        list, peek, resubmit or purge dead-lettered messages
  upstream   read or change the SignalR service's upstream templates
  trace      show a message's span waterfall (local stack started with --traces)
  erase-user remove a user's messages, memberships, presence and events everywhere
  capacity   size replicas, Web PubSub units, Service Bus and storage for N users on paper

Run parley <command> --help for its options. Every command that prints data
takes --json (one JSON document on stdout; progress and notes stay on stderr).

Connections (flag > variable > local stack file):
  --servicebus   SERVICEBUS_CONNECTION_STRING | SERVICEBUS_NAMESPACE (managed identity)
  --tables       TABLES_CONNECTION_STRING | TABLES_ACCOUNT_URL (managed identity)
  --signalr      SIGNALR_CONNECTION_STRING
  Unset ones come from .parley/stack.json (written by npm start), found in the
  working directory or a parent, or from the file PARLEY_STACK_FILE names.
  Also: HUB (default chat), PARTITIONS (default 64).

Exit codes: 0 done, 1 usage or input error, 2 a service is unreachable or failed.`;

type Command = (args: string[], io: CliIo) => Promise<void>;

/** This package's version (package.json), read when asked for. */
export function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

// Loaded on use: the SDKs take a while to import, and a usage error should not wait for them.
const COMMANDS: Record<string, () => Promise<Command>> = {
  replay: async () => (await import('./commands/replay.js')).replayCommand,
  rebuild: async () => (await import('./commands/rebuild.js')).rebuildCommand,
  dlq: async () => (await import('./commands/dlq.js')).dlqCommand,
  upstream: async () => (await import('./commands/upstream.js')).upstreamCommand,
  trace: async () => (await import('./commands/trace.js')).traceCommand,
  capacity: async () => (await import('./commands/capacity.js')).capacityCommand,
  'erase-user': async () => (await import('./commands/erase-user.js')).eraseUserCommand,
};

/** Runs one command line; returns the exit code. Errors go to stderr as one line with their code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  try {
    if (command === undefined) {
      io.stderr.write(`${HELP}\n`);
      return ExitCodes.usage;
    }
    if (command === '--version' || command === '-V' || command === 'version') {
      io.stdout.write(`${cliVersion()}\n`);
      return ExitCodes.ok;
    }
    if (command === 'help' || command === '--help' || command === '-h') {
      io.stdout.write(`${HELP}\n`);
      return ExitCodes.ok;
    }
    const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!load) throw usageError(`unknown command "${command}"; one of ${Object.keys(COMMANDS).join(', ')} (see parley --help)`);
    await (await load())(args, io);
    return ExitCodes.ok;
  } catch (error) {
    if (isCliError(error)) {
      io.stderr.write(`parley: ${error.message} [${error.code}]\n`);
      return error.exitCode;
    }
    // Not ours: most likely an SDK error a command did not wrap. Show it whole.
    io.stderr.write(`parley: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return ExitCodes.service;
  }
}
