import type { Connection, EventContext, Receiver, Sender } from 'rhea';
import { asBrokerError, BrokerError, Condition } from '../errors.js';
import type { Logger } from '../logger.js';
import { operations, type ManagementScope } from '../management/operations.js';
import type { ManagementReply } from '../management/request.js';
import type { Namespace } from '../broker/namespace.js';
import { remoteAttach } from './rhea-internals.js';

/**
 * Request/response links ($cbs and `<entity>/$management`). A client sends
 * requests on one link and reads replies on a receiver link whose name (and
 * target address) is the request's reply_to; replies are routed by that.
 */
export class ReplyRoutes {
  private readonly byConnection = new WeakMap<Connection, Map<string, Sender>>();

  register(sender: Sender): void {
    const routes = this.routes(sender.connection);
    routes.set(sender.name, sender);
    const target = remoteAttach(sender).target?.address;
    if (target) routes.set(target, sender);
    const forget = () => {
      if (routes.get(sender.name) === sender) routes.delete(sender.name);
      if (target && routes.get(target) === sender) routes.delete(target);
    };
    sender.on('sender_close', forget);
    sender.on('sender_error', forget);
  }

  reply(connection: Connection, replyTo: unknown, message: object): boolean {
    const sender = typeof replyTo === 'string' ? this.routes(connection).get(replyTo) : undefined;
    if (!sender) return false;
    sender.send(message as never);
    return true;
  }

  private routes(connection: Connection): Map<string, Sender> {
    let routes = this.byConnection.get(connection);
    if (!routes) {
      routes = new Map();
      this.byConnection.set(connection, routes);
    }
    return routes;
  }
}

function statusProperties(status: number, description: string, condition?: string): Record<string, unknown> {
  return {
    statusCode: status,
    statusDescription: description,
    'status-code': status,
    'status-description': description,
    ...(condition ? { errorCondition: condition, 'error-condition': condition } : {}),
  };
}

interface Request {
  message_id?: unknown;
  reply_to?: unknown;
  application_properties?: Record<string, unknown>;
  body?: unknown;
}

function accept(ctx: EventContext): void {
  ctx.delivery?.accept();
}

/** $cbs: every put-token is accepted (the emulator does not check tokens). */
export function serveCbs(receiver: Receiver, routes: ReplyRoutes, log: Logger): void {
  receiver.on('message', (ctx: EventContext) => {
    accept(ctx);
    const req = ctx.message as Request;
    const op = req.application_properties?.operation;
    const reply =
      op === 'put-token'
        ? { status: 202, description: 'Accepted' }
        : { status: 400, description: `Unknown $cbs operation '${String(op)}'.` };
    const sent = routes.reply(ctx.connection, req.reply_to, {
      correlation_id: req.message_id,
      application_properties: statusProperties(reply.status, reply.description),
    });
    if (!sent) log.warn({ replyTo: req.reply_to }, 'no reply link for $cbs request');
  });
}

/** `<entity>/$management`: runs an operation, journals, then replies. */
export function serveManagement(receiver: Receiver, scope: ManagementScope, routes: ReplyRoutes, log: Logger): void {
  receiver.on('message', (ctx: EventContext) => {
    accept(ctx);
    const req = ctx.message as Request;
    const op = String(req.application_properties?.operation ?? '');
    const body = typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {};
    const send = (reply: ManagementReply | BrokerError) => {
      const message =
        'condition' in reply
          ? { application_properties: statusProperties(reply.status, reply.description, reply.condition) }
          : {
              application_properties: statusProperties(reply.status, reply.description ?? (reply.status < 300 ? 'OK' : 'Error')),
              ...(reply.body !== undefined ? { body: reply.body } : {}),
            };
      if (!routes.reply(ctx.connection, req.reply_to, { correlation_id: req.message_id, ...message })) {
        log.warn({ replyTo: req.reply_to, op }, 'no reply link for $management request');
      }
    };
    const handler = operations[op];
    if (!handler) {
      send(new BrokerError(Condition.notImplemented, `The $management operation '${op}' is not supported.`));
      return;
    }
    let reply: ManagementReply;
    try {
      reply = handler(scope, body);
    } catch (err) {
      send(asBrokerError(err));
      return;
    }
    const durable = scope.ns.ctx.journal.sync();
    if (!durable) send(reply);
    else durable.then(() => send(reply), (err: unknown) => send(asBrokerError(err)));
  });
}

export type { Namespace };
