import { odata } from '@azure/data-tables';
import { BusEntities, keyPart, nextEventId, PROJECTION_TABLES, Tables } from '@parley/contracts';
import { CONNECTION_OPTIONS, JSON_OPTION, jsonLine, parseFlags } from '../args.js';
import { usageError } from '../errors.js';
import { confirm, type CliIo } from '../io.js';
import { createProgress } from '../progress.js';
import { withService } from '../reach.js';
import { readLog } from '../replay/event-log.js';
import { ReplayPipeline } from '../replay/pipeline.js';
import { clearTable, partitionPrefixFilter, type TableStore } from '../tables.js';
import { counters, summary } from './replay.js';

export const REBUILD_HELP = `Usage: parley rebuild [--hub HUB] [--parallel] [--dry-run] [--yes] [--json]

Clears the projection tables (${PROJECTION_TABLES.join(', ')}) and replays the
whole event log (every hub, or one with --hub) through ${BusEntities.chatEventsTopic}
without notifications; the running chat-worker rebuilds the projections from it.
Each hub's events go on one session, so the worker applies them in log order
and rules that read other users' state decide as they did the first time.
Run it while no live traffic flows: live events handled during the rebuild are
applied out of log order.

  --hub       rebuild one hub only (its rows of every projection table)
  --parallel  spread events over the users' partitions as the gateway does:
              faster with several workers, but only each user's order is kept,
              so invites and direct messages may be decided differently
  --dry-run   count what would be cleared and replayed, change nothing
  --yes       do not ask for confirmation (asked only when stdin is a terminal)
  --json      print the result as JSON: {"hub", "dryRun", "events", "cleared", "runId", "read", "sent", "skipped"}`;

export async function rebuildCommand(args: string[], io: CliIo): Promise<void> {
  const { values } = parseFlags('rebuild', args, {
    ...CONNECTION_OPTIONS,
    ...JSON_OPTION,
    hub: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    parallel: { type: 'boolean', default: false },
    yes: { type: 'boolean', short: 'y', default: false },
  });
  if (values.help) {
    io.stdout.write(`${REBUILD_HELP}\n`);
    return;
  }
  const { loadSettings, connectBus, connectTables } = await import('../connect.js');
  const settings = await loadSettings(io.env, io.cwd, values);
  const hub = values.hub?.trim() || undefined;
  const dryRun = values['dry-run'];
  const tablesConnection = settings.tables();
  const busConnection = dryRun ? undefined : settings.bus();
  const { store, target: tablesTarget } = await connectTables(tablesConnection);
  // Reach the bus before clearing anything: a rebuild that cannot send must not start.
  const bus = busConnection && (await connectBus(busConnection));
  try {
    const events = store.table(Tables.events);
    const total = await withService(tablesTarget, `count the ${Tables.events} table`, () => countEvents(store, hub));
    const what = hub ? `hub ${hub}` : 'every hub';
    if (dryRun) {
      io.stdout.write(
        values.json
          ? jsonLine({ hub: hub ?? null, dryRun: true, events: total, tables: PROJECTION_TABLES })
          : `rebuild (dry run) of ${what}: would clear ${PROJECTION_TABLES.join(', ')} and replay ${total} events\n`,
      );
      return;
    }
    const question = `This clears ${PROJECTION_TABLES.join(', ')} for ${what} and replays ${total} events.`;
    if (!(await confirm(io, question, values.yes))) throw usageError('rebuild cancelled');

    const cleared: Record<string, number> = {};
    for (const name of PROJECTION_TABLES) {
      cleared[name] = await withService(tablesTarget, `clear the ${name} table`, () => clearTable(store.table(name), hub && hubFilter(hub)));
      io.stderr.write(`cleared ${name}: ${cleared[name]} rows\n`);
    }
    const runId = nextEventId();
    io.stderr.write(`replaying ${total} events of ${what}, run ${runId}\n`);
    const sender = bus!.client.createSender(BusEntities.chatEventsTopic);
    try {
      const pipeline = new ReplayPipeline({
        sender,
        runId,
        notify: false,
        partitions: settings.partitions,
        ordering: values.parallel ? 'user' : 'hub',
        hub,
        onSkip: (reason) => io.stderr.write(`skipped: ${reason}\n`),
      });
      const progress = createProgress(io.stderr, 'rebuild', 'events');
      const send = (run: () => Promise<void>) => withService(bus!.target, `send to ${BusEntities.chatEventsTopic}`, run);
      await withService(tablesTarget, `read the ${Tables.events} table`, async () => {
        for await (const row of readLog(events, hub)) {
          await send(() => pipeline.add(row));
          progress.update(pipeline.stats.read, Math.max(total, pipeline.stats.read), counters(pipeline.stats));
        }
      });
      await send(() => pipeline.flush());
      progress.update(pipeline.stats.read, Math.max(total, pipeline.stats.read), counters(pipeline.stats));
      progress.finish();
      io.stdout.write(
        values.json
          ? jsonLine({ hub: hub ?? null, dryRun: false, events: total, cleared, runId, read: pipeline.stats.read, sent: pipeline.stats.sent, skipped: pipeline.stats.skipped })
          : `${summary(pipeline.stats, false)}\n`,
      );
    } finally {
      await sender.close().catch(() => undefined);
    }
  } finally {
    await bus?.client.close().catch(() => undefined);
  }
}

/**
 * Events to replay; with --hub, also a guard: the hub's key prefix must not
 * match another hub (`chat` and `chat_2`), or clearing by prefix would wipe
 * that hub's projections too.
 */
async function countEvents(store: TableStore, hub: string | undefined): Promise<number> {
  let count = 0;
  for await (const row of readLog(store.table(Tables.events), hub, ['PartitionKey', 'RowKey', 'hub'])) {
    if (hub !== undefined && row.hub !== hub) {
      throw usageError(`--hub ${hub}: the hub ${String(row.hub)} shares its table key prefix; rebuild every hub instead`);
    }
    count += 1;
  }
  return count;
}

/** Every projection key of a hub is `<hub>` (presence) or starts with `<hub>_`. */
function hubFilter(hub: string): string {
  const key = keyPart(hub);
  return `(${odata`PartitionKey eq ${key}`}) or (${partitionPrefixFilter(`${key}_`)})`;
}
