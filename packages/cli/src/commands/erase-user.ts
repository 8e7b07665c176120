import { CONNECTION_OPTIONS, JSON_OPTION, jsonLine, parseFlags } from '../args.js';
import { CliError, CliErrorCodes, usageError } from '../errors.js';
import { findUserDeadLetters, purgeUserDeadLetters, type UserDeadLetter } from '../erase/dead-letters.js';
import { eraseTraces, findUserTraces, type ErasedCounts, type UserTraces } from '../erase/erase-tables.js';
import { confirm, type CliIo } from '../io.js';
import { withService } from '../reach.js';

export const ERASE_USER_HELP = `Usage: parley erase-user USER [--hub HUB] [--purge-dead-letters] [--dry-run] [--yes] [--json]

Erases a user from the event log and every projection: their events (and other
users' events that name them: direct messages to them, invites of them), their
messages, every direct conversation with them (both sides, each side's listing
of it included), their frames'
claims, their room memberships (both directions), read positions, presence
and connection rows. A room they created goes if nobody else is in it; otherwise it keeps
its visibility and loses the creator's name.
The log goes first, so neither replay nor rebuild brings any of it back.
Dead-lettered messages that name the user are listed; --purge-dead-letters
deletes them (and only them).

A user of whom nothing is stored is refused (PARLEY_CLI_USER_UNKNOWN, exit 1)
and nothing is changed. An event of the user still in flight when this runs
is stored after it: run erase-user again once the user is signed out and
blocked at the identity provider; it is refused as unknown when nothing is left.

  --hub                 the hub (default HUB, else chat)
  --purge-dead-letters  delete the dead-lettered messages that name the user
  --dry-run             count what would be erased and list the dead letters, change nothing
  --yes                 do not ask for confirmation (asked only when stdin is a terminal)
  --json                {"user", "hub", "dryRun", "found"|"erased": {table: rows}, "deadLetters": [...], "purged"}`;

export async function eraseUserCommand(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseFlags(
    'erase-user',
    args,
    {
      ...CONNECTION_OPTIONS,
      ...JSON_OPTION,
      hub: { type: 'string' },
      'purge-dead-letters': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      yes: { type: 'boolean', short: 'y', default: false },
    },
    true,
  );
  if (values.help) {
    io.stdout.write(`${ERASE_USER_HELP}\n`);
    return;
  }
  const [user, ...extra] = positionals;
  if (user === undefined || user.trim() === '') throw usageError('erase-user: the user id is required (see parley erase-user --help)');
  if (extra.length > 0) throw usageError(`erase-user: unexpected argument "${extra[0]}"`);
  const hub = values.hub?.trim() || io.env.HUB?.trim() || 'chat';
  const dryRun = values['dry-run'];

  const { loadSettings, connectBus, connectTables } = await import('../connect.js');
  const settings = await loadSettings(io.env, io.cwd, values);
  const tablesConnection = settings.tables();
  const busConnection = settings.bus();
  const { store, target: tablesTarget } = await connectTables(tablesConnection);
  const bus = await connectBus(busConnection);
  try {
    const traces = await withService(tablesTarget, `find ${user} in the tables`, () => findUserTraces(store, hub, user));
    if (!traces.known) {
      throw new CliError(CliErrorCodes.userUnknown, `erase-user: no user "${user}" in hub ${hub} (no presence, membership, connection or event of theirs); nothing was changed`);
    }
    const found = countsOf(traces);
    const deadLetters = await withService(bus.target, 'peek the dead-letter queues', () => findUserDeadLetters(bus.client, user));
    for (const letter of deadLetters) io.stderr.write(`dead letter naming ${user}: ${letter.entity} #${letter.sequenceNumber} id=${letter.messageId ?? '-'} reason=${letter.reason ?? '-'}\n`);
    if (dryRun) {
      io.stdout.write(values.json ? jsonLine({ user, hub, dryRun: true, found, deadLetters }) : `erase-user (dry run) ${user}: would erase ${describeCounts(found)}; ${deadLetters.length} dead letter(s) name them\n`);
      return;
    }
    if (!(await confirm(io, `This erases ${describeCounts(found)} of ${user} in hub ${hub}.`, values.yes))) throw usageError('erase-user cancelled');
    const erased = await withService(tablesTarget, `erase ${user}`, () => eraseTraces(store, traces));
    let purged: UserDeadLetter[] = [];
    if (values['purge-dead-letters']) purged = await withService(bus.target, 'purge the dead letters', () => purgeUserDeadLetters(bus.client, user));
    io.stdout.write(
      values.json
        ? jsonLine({ user, hub, dryRun: false, erased, deadLetters, purged: purged.length })
        : `erased ${user}: ${describeCounts(erased)}; dead letters: ${deadLetters.length} found, ${purged.length} purged\n`,
    );
  } finally {
    await bus.client.close().catch(() => undefined);
  }
}

function countsOf(traces: UserTraces): ErasedCounts {
  return {
    events: traces.events.length,
    messages: traces.messages.length,
    memberships: traces.memberships.length,
    presence: traces.presence.length,
    connections: traces.connections.length,
    rooms: traces.createdRooms.length,
    amended: traces.amendedMessages.length,
  };
}

const describeCounts = (counts: ErasedCounts) => Object.entries(counts).map(([table, rows]) => `${table} ${rows}`).join(', ');
