import { BusEntities, nextEventId, Tables, type ChatEventType } from '@parley/contracts';
import { CONNECTION_OPTIONS, JSON_OPTION, jsonLine, parseFlags } from '../args.js';
import { usageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { createProgress } from '../progress.js';
import { hourBuckets, parseRange } from '../range.js';
import { withService } from '../reach.js';
import { readHour } from '../replay/event-log.js';
import { ReplayPipeline, type ReplayStats } from '../replay/pipeline.js';
import { parseTypes } from '../replay/replay-message.js';

export const REPLAY_HELP = `Usage: parley replay --from ISO --to ISO [--hub HUB] [--type TYPES] [--dry-run] [--notify] [--force] [--json]

Reads the events table of one hub over [--from, --to) in event order and sends
each event back through ${BusEntities.chatEventsTopic}, marked replayed. The chat-worker
rebuilds projections idempotently and sends notifications only with --notify.

  --from, --to   ISO 8601 times (a time without a zone is UTC); --from inclusive, --to exclusive
  --hub          the hub (default: HUB or "chat")
  --type         comma list of message, connected, disconnected (default: all)
  --dry-run      read and count, send nothing
  --notify       let the worker notify clients of the replayed events
  --force        allow a range longer than 31 days
  --json         print the result as JSON: {"runId", "hub", "from", "to", "hours", "dryRun", "read", "sent", "skipped", "wouldSend"}
Message ids are <eventId>:replay:<run id>, so a replay is not dropped by duplicate
detection as a resend of the original event would be.`;

export async function replayCommand(args: string[], io: CliIo): Promise<void> {
  const { values } = parseFlags('replay', args, {
    ...CONNECTION_OPTIONS,
    ...JSON_OPTION,
    from: { type: 'string' },
    to: { type: 'string' },
    hub: { type: 'string' },
    type: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    notify: { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
  });
  if (values.help) {
    io.stdout.write(`${REPLAY_HELP}\n`);
    return;
  }
  const range = parseRange(values.from, values.to, values.force);
  const types = values.type === undefined ? undefined : typeSet(values.type);
  const { loadSettings, connectBus, connectTables } = await import('../connect.js');
  const settings = await loadSettings(io.env, io.cwd, values);
  const hub = values.hub?.trim() || settings.hub;
  const dryRun = values['dry-run'];

  const tablesConnection = settings.tables();
  const busConnection = dryRun ? undefined : settings.bus();
  const { store, target: tablesTarget } = await connectTables(tablesConnection);
  const bus = busConnection && (await connectBus(busConnection));
  const runId = nextEventId();
  const buckets = hourBuckets(range);
  io.stderr.write(
    `replay ${dryRun ? '(dry run) ' : ''}hub ${hub}, ${range.from.toISOString()} to ${range.to.toISOString()}, ` +
      `${buckets.length} hour(s), run ${runId}\n`,
  );
  const sender = bus?.client.createSender(BusEntities.chatEventsTopic);
  try {
    const pipeline = new ReplayPipeline({
      sender,
      runId,
      notify: values.notify,
      partitions: settings.partitions,
      hub,
      range,
      types,
      onSkip: (reason) => io.stderr.write(`skipped: ${reason}\n`),
    });
    const progress = createProgress(io.stderr, 'replay', 'hours');
    const events = store.table(Tables.events);
    const send = (run: () => Promise<void>) => (bus ? withService(bus.target, `send to ${BusEntities.chatEventsTopic}`, run) : run());
    for (const [index, hour] of buckets.entries()) {
      await withService(tablesTarget, `read the ${Tables.events} table`, async () => {
        for await (const row of readHour(events, hub, hour)) await send(() => pipeline.add(row));
      });
      progress.update(index + 1, buckets.length, counters(pipeline.stats));
    }
    await send(() => pipeline.flush());
    progress.update(buckets.length, buckets.length, counters(pipeline.stats));
    progress.finish();
    io.stdout.write(
      values.json
        ? jsonLine({ runId, hub, from: range.from.toISOString(), to: range.to.toISOString(), hours: buckets.length, dryRun, ...pipeline.stats })
        : `${summary(pipeline.stats, dryRun)}\n`,
    );
  } finally {
    await sender?.close().catch(() => undefined);
    await bus?.client.close().catch(() => undefined);
  }
}

function typeSet(text: string): ReadonlySet<ChatEventType> {
  const parsed = parseTypes(text);
  if ('unknown' in parsed) throw usageError(`--type: unknown event type "${parsed.unknown}"; use message, connected or disconnected`);
  if (parsed.types.size === 0) throw usageError('--type needs at least one of message, connected, disconnected');
  return parsed.types;
}

export function counters(stats: ReplayStats): string {
  return `read ${stats.read}, sent ${stats.sent}, skipped ${stats.skipped}`;
}

export function summary(stats: ReplayStats, dryRun: boolean): string {
  return dryRun ? `${counters(stats)} (dry run: ${stats.wouldSend} would be sent)` : counters(stats);
}
