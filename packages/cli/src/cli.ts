import { dlqCommand } from './commands/dlq.js';
import { rebuildCommand } from './commands/rebuild.js';
import { replayCommand } from './commands/replay.js';
import { upstreamCommand } from './commands/upstream.js';
import { ExitCodes, isCliError, usageError } from './errors.js';
import type { CliIo } from './io.js';

export const HELP = `Usage: parley <command> [options]

Commands:
  replay     re-drive a time range of the event log through chat-events
  rebuild    clear the projections and rebuild them from the whole event log
  dlq        list, peek, resubmit or purge dead-lettered messages
  upstream   read or change the SignalR service's upstream templates

Run parley <command> --help for its options.

Connections (flag > variable > local stack file):
  --servicebus   SERVICEBUS_CONNECTION_STRING | SERVICEBUS_NAMESPACE (managed identity)
  --tables       TABLES_CONNECTION_STRING | TABLES_ACCOUNT_URL (managed identity)
  --signalr      SIGNALR_CONNECTION_STRING
  Unset ones come from .parley/stack.json (written by npm start), found in the
  working directory or a parent, or from the file PARLEY_STACK_FILE names.
  Also: HUB (default chat), PARTITIONS (default 64).

Exit codes: 0 done, 1 usage or input error, 2 a service is unreachable or failed.`;

const COMMANDS: Record<string, (args: string[], io: CliIo) => Promise<void>> = {
  replay: replayCommand,
  rebuild: rebuildCommand,
  dlq: dlqCommand,
  upstream: upstreamCommand,
};

/** Runs one command line; returns the exit code. Errors go to stderr as one line with their code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...args] = argv;
  try {
    if (command === undefined) {
      io.stderr.write(`${HELP}\n`);
      return ExitCodes.usage;
    }
    if (command === 'help' || command === '--help' || command === '-h') {
      io.stdout.write(`${HELP}\n`);
      return ExitCodes.ok;
    }
    const handler = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!handler) throw usageError(`unknown command "${command}"; one of ${Object.keys(COMMANDS).join(', ')} (see parley --help)`);
    await handler(args, io);
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
