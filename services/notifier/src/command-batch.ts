import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { BusEntities, type NotifierEnvelope } from '@parley/contracts';
import { isPermanent, ParleyAttributes, withMessageSpan, type BatchHandler, type BatchItem, type ItemOutcome, type Logger } from '@parley/service-kit';
import { planCalls, SEND_ACTIONS, type CoalesceLimits, type PlannedCall } from './call-plan.js';
import { TransientRestError } from './errors.js';
import type { NotifierMetrics } from './metrics.js';
import type { RestClient } from './rest-client.js';
import { targetOf, type RestRequest, type ToRestRequest } from '@parley/websocket-rest';

export interface CommandBatchDeps {
  readonly rest: RestClient;
  readonly toRequest: ToRestRequest;
  readonly metrics: NotifierMetrics;
  readonly limits: CoalesceLimits;
}

/** One command of the batch: its message, its call alone, and its log line's fields. */
interface Command {
  readonly message: ServiceBusReceivedMessage;
  readonly commandId: string;
  readonly request: RestRequest;
  readonly log: Logger;
}

type CommandSpan = NonNullable<Parameters<Parameters<typeof withMessageSpan>[2]>[0]>;

const ENTITY = BusEntities.notificationsQueue;

/**
 * The notifier's batch handler: what a held session has in hand goes out in as few REST calls
 * as order allows (call-plan.ts), each command keeping its own outcome:
 * - a call that succeeds (or finds its connection gone) completes every command in it;
 * - a call refused for good (4xx) that carried several commands is made again one command at a
 *   time, so only the command the service refuses is dead-lettered, with its own reason;
 * - a call still failing after the REST client's retries fails its commands for retry: the
 *   consumer gives the first back and holds everything after it, so nothing further is started
 *   (a send already on its way to another target may then arrive twice, which clients drop by id).
 */
export function commandBatchHandler(deps: CommandBatchDeps): BatchHandler<NotifierEnvelope> {
  const { rest, metrics } = deps;

  return async (items) => {
    const commands = items.map((item) => commandOf(item, deps.toRequest));
    const outcomes: (ItemOutcome | undefined)[] = new Array<ItemOutcome | undefined>(items.length).fill(undefined);
    // The earliest command that failed for retry: no call of a later command starts after it.
    let retryFrom = Number.POSITIVE_INFINITY;

    /** Makes one planned call and records its commands' outcomes; false once one failed for retry. */
    async function run(call: PlannedCall): Promise<boolean> {
      if (call.indices[0]! > retryFrom) return false;
      const members = call.indices.map((index) => commands[index]!);
      const first = members[0]!;
      if (SEND_ACTIONS.has(call.request.action)) metrics.framesPerCall.observe({ action: call.request.action }, members.length);
      const callLog = members.length > 1 ? first.log.child({ frames: members.length, commandIds: members.map((m) => m.commandId) }) : first.log;
      try {
        const outcome = await inCommandSpans(members, () => rest.call(call.request, callLog));
        for (const [position, member] of members.entries()) {
          outcomes[call.indices[position]!] = 'done';
          if (outcome.kind === 'gone') {
            metrics.goneConnections.inc({ action: member.request.action });
            member.log.info({ status: outcome.status, attempts: outcome.attempts }, 'connection is gone; command completed');
          } else {
            member.log.debug({ status: outcome.status, attempts: outcome.attempts, frames: members.length }, 'command delivered');
          }
        }
        return true;
      } catch (error) {
        if (isPermanent(error) && members.length > 1) {
          // The service refused the call as a whole: find out which command it refuses.
          callLog.warn({ reason: error.reason }, 'a coalesced call was refused; sending its commands one at a time');
          for (const index of call.indices) if (!(await run({ indices: [index], request: commands[index]!.request }))) return false;
          return true;
        }
        for (const index of call.indices) outcomes[index] = { failed: error };
        if (isPermanent(error)) {
          metrics.deadLetters.inc({ reason: error.reason });
          return true;
        }
        retryFrom = Math.min(retryFrom, call.indices[0]!);
        return false;
      }
    }

    for (const step of planCalls(commands.map((command) => command.request), deps.limits)) {
      if (step.kind === 'barrier') await run(step.call);
      else await Promise.all(step.lanes.map(async (lane) => { for (const call of lane) if (!(await run(call))) return; }));
      if (retryFrom !== Number.POSITIVE_INFINITY) break;
    }
    return answered(outcomes, commands, metrics);
  };
}

/**
 * The outcomes up to where the consumer stops: through the first failure for retry (what
 * follows it is handed over again after it). That one command is given back to the broker.
 */
function answered(outcomes: readonly (ItemOutcome | undefined)[], commands: readonly Command[], metrics: NotifierMetrics): ItemOutcome[] {
  const answer: ItemOutcome[] = [];
  for (const [index, outcome] of outcomes.entries()) {
    if (outcome === undefined) break;
    answer.push(outcome);
    if (outcome === 'done' || isPermanent(outcome.failed)) continue;
    const error = outcome.failed;
    if (error instanceof TransientRestError) {
      metrics.givenBack.inc({ code: error.code });
      commands[index]!.log.warn({ code: error.code, status: error.status, attempts: error.attempts, reason: error.message }, 'REST call still failing; giving the command back');
    }
    break;
  }
  return answer;
}

function commandOf(item: BatchItem<NotifierEnvelope>, toRequest: ToRestRequest): Command {
  const { commandId, causationId, traceparent } = item.value.metadata;
  const command = item.value.data;
  const log = item.context.logger.child({
    commandId,
    causationId,
    eventId: causationId,
    ...(traceparent ? { traceparent, traceId: traceparent.split('-')[1] } : {}),
    action: command.action,
    ...targetOf(command),
  });
  return { message: item.context.message, commandId, request: toRequest(command), log };
}

/**
 * Runs a call inside the CONSUMER span of each command it carries, every span continuing its
 * own producer's trace. The call (its CLIENT spans) sits under the first command's span; the
 * others cover the same time and link to that span, so each trace shows where its frame went.
 */
function inCommandSpans<T>(members: readonly Command[], call: () => Promise<T>): Promise<T> {
  const others: CommandSpan[] = [];
  const [first, ...rest] = members;
  let run = () =>
    withMessageSpan(ENTITY, first!.message, (span) => {
      span?.setAttribute(ParleyAttributes.commandId, first!.commandId);
      if (span && members.length > 1) {
        span.setAttribute('parley.rest.frames', members.length);
        for (const other of others) other.addLink({ context: span.spanContext() });
      }
      return call();
    });
  for (const member of rest.reverse()) {
    const inner = run;
    run = () =>
      withMessageSpan(ENTITY, member.message, (span) => {
        span?.setAttribute(ParleyAttributes.commandId, member.commandId);
        if (span) others.push(span);
        return inner();
      });
  }
  return run();
}
