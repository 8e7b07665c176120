import type { ServiceBusClient } from '@azure/service-bus';
import { CONNECTION_OPTIONS, JSON_OPTION, jsonLine, parseFlags, parseMax } from '../args.js';
import { purge, resubmit } from '../dlq/drain.js';
import { countReasons, describeMessage, DLQ_ENTITIES, peekDeadLetters, resolveEntity, type DlqEntity } from '../dlq/entities.js';
import { usageError } from '../errors.js';
import { confirm, type CliIo } from '../io.js';
import { withService } from '../reach.js';

export const DLQ_HELP = `Usage: parley dlq list|peek|resubmit|purge --entity ENTITY [--max N] [--json]

Dead-letter queues of ${DLQ_ENTITIES.map((entity) => entity.name).join(' and ')}.

  list       counts by dead-letter reason
  peek       the messages with reason and description, without taking them (--max, default 10)
  resubmit   sends a copy of each to the original entity (same message id, session,
             body, subject, content type and application properties, minus the
             DeadLetter* ones), then removes it from the dead-letter queue
  purge      deletes the messages and prints how many

  --entity   ${DLQ_ENTITIES.map((entity) => entity.name).join(' | ')}
  --max      at most N messages (list, resubmit, purge: default all)
  --json     JSON output (peek: one message per line; list, resubmit, purge: one document)
             resubmit and purge show their progress on stderr
  --new-id   resubmit: give copies the id <messageId>:resubmit:<run id>. Without it a
             copy whose id the broker saw inside the entity's duplicate-detection
             window is dropped silently; the workers de-duplicate by event/command id.
  --yes      purge: do not ask for confirmation (asked only when stdin is a terminal)`;

const ACTIONS = ['list', 'peek', 'resubmit', 'purge'] as const;
type Action = (typeof ACTIONS)[number];

export async function dlqCommand(args: string[], io: CliIo): Promise<void> {
  const { values, positionals } = parseFlags(
    'dlq',
    args,
    {
      ...CONNECTION_OPTIONS,
      ...JSON_OPTION,
      entity: { type: 'string' },
      max: { type: 'string' },
      'new-id': { type: 'boolean', default: false },
      yes: { type: 'boolean', short: 'y', default: false },
    },
    true,
  );
  if (values.help) {
    io.stdout.write(`${DLQ_HELP}\n`);
    return;
  }
  const [actionText, ...extra] = positionals;
  if (!ACTIONS.includes(actionText as Action)) {
    throw usageError(actionText ? `dlq: unknown action "${actionText}"; one of ${ACTIONS.join(', ')}` : `dlq: an action is required: ${ACTIONS.join(', ')}`);
  }
  if (extra.length > 0) throw usageError(`dlq: unexpected argument "${extra[0]}"`);
  const action = actionText as Action;
  const entity = resolveEntity(values.entity);
  const max = parseMax(values.max, action === 'peek' ? 10 : Number.MAX_SAFE_INTEGER);

  const { loadSettings, connectBus } = await import('../connect.js');
  const settings = await loadSettings(io.env, io.cwd, values);
  const { client, target } = await connectBus(settings.bus());
  try {
    const dlq = `${entity.name}/$DeadLetterQueue`;
    switch (action) {
      case 'list':
        return await withService(target, `peek ${dlq}`, () => list(client, entity, max, values.json, io));
      case 'peek':
        return await withService(target, `peek ${dlq}`, () => peek(client, entity, max, values.json, io));
      case 'resubmit':
        return await withService(target, `resubmit ${dlq}`, async () => {
          const { count } = await resubmit(client, entity, { max, newId: values['new-id'], progress: io.stderr });
          io.stdout.write(
            values.json ? jsonLine({ entity: entity.name, resubmitted: count, to: entity.sendTo }) : `resubmitted ${count} message(s) from ${dlq} to ${entity.sendTo}\n`,
          );
        });
      case 'purge':
        if (!(await confirm(io, `This deletes the messages of ${dlq}.`, values.yes))) throw usageError('purge cancelled');
        return await withService(target, `purge ${dlq}`, async () => {
          const { count } = await purge(client, entity, { max, progress: io.stderr });
          io.stdout.write(values.json ? jsonLine({ entity: entity.name, purged: count }) : `purged ${count} message(s) from ${dlq}\n`);
        });
    }
  } finally {
    await client.close().catch(() => undefined);
  }
}

async function list(client: ServiceBusClient, entity: DlqEntity, max: number, json: boolean, io: CliIo): Promise<void> {
  const reasons: (string | undefined)[] = [];
  for await (const page of peekDeadLetters(client, entity, max)) for (const message of page) reasons.push(message.deadLetterReason);
  const counts = countReasons(reasons);
  const capped = reasons.length >= max;
  if (json) {
    io.stdout.write(jsonLine({ entity: entity.name, total: reasons.length, capped, reasons: counts }));
    return;
  }
  io.stdout.write(`${entity.name}/$DeadLetterQueue: ${reasons.length}${capped ? '+' : ''} message(s)\n`);
  if (counts.length > 0) io.stdout.write(`${'count'.padStart(7)}  reason\n`);
  for (const { reason, count } of counts) io.stdout.write(`${String(count).padStart(7)}  ${reason}\n`);
}

async function peek(client: ServiceBusClient, entity: DlqEntity, max: number, json: boolean, io: CliIo): Promise<void> {
  let shown = 0;
  for await (const page of peekDeadLetters(client, entity, max)) {
    for (const message of page) {
      shown += 1;
      if (json) {
        io.stdout.write(jsonLine(describeMessage(message)));
        continue;
      }
      const body = JSON.stringify(message.body) ?? String(message.body);
      io.stdout.write(
        `#${message.sequenceNumber?.toString()} id=${String(message.messageId)} session=${message.sessionId ?? '-'} ` +
          `subject=${message.subject ?? '-'} deliveries=${message.deliveryCount ?? 0} enqueued=${message.enqueuedTimeUtc?.toISOString() ?? '-'}\n` +
          `  reason: ${message.deadLetterReason ?? '(none)'}${message.deadLetterErrorDescription ? ` — ${message.deadLetterErrorDescription}` : ''}\n` +
          `  body: ${body.length > 300 ? `${body.slice(0, 300)}…` : body}\n`,
      );
    }
  }
  if (!json) io.stderr.write(`${shown} message(s) shown from ${entity.name}/$DeadLetterQueue\n`);
}
