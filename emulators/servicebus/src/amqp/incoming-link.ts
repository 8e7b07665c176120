import type { Delivery, EventContext, Receiver } from 'rhea';
import type { Namespace, SendTarget } from '../broker/namespace.js';
import { asBrokerError, BrokerError, Condition } from '../errors.js';
import type { Logger } from '../logger.js';
import { parseMessage, splitBatch, type ParsedMessage } from './codec.js';
import { rawBytesOf } from './rhea.js';
import { localAttach, remoteAttach } from './rhea-internals.js';

const batchFormat = 0x80013700;

/**
 * A sender link of a client, seen from the broker: every transfer becomes one
 * or more messages of a queue or topic, accepted once they are durable.
 */
export class IncomingLink {
  constructor(
    private readonly receiver: Receiver,
    private readonly ns: Namespace,
    private readonly target: SendTarget,
    private readonly maxMessageSize: number,
    private readonly log: Logger,
  ) {}

  open(): void {
    const remote = remoteAttach(this.receiver);
    this.receiver.set_target((remote.target ?? { address: this.target.name }) as never);
    this.receiver.set_source((remote.source ?? {}) as never);
    // Announced so that createMessageBatch sizes batches (docs/protocols.md §3).
    localAttach(this.receiver).max_message_size = this.maxMessageSize;
    this.receiver.on('message', (ctx: EventContext) => this.onMessage(ctx));
  }

  private onMessage(ctx: EventContext): void {
    const delivery = ctx.delivery;
    if (!delivery) return;
    const format = (ctx as { format?: number }).format ?? 0;
    const raw = format === 0 ? rawBytesOf(ctx.message) : (ctx.message as unknown as Buffer);
    try {
      if (!Buffer.isBuffer(raw)) throw new BrokerError(Condition.decodeError, 'The message could not be read.');
      if (raw.length > this.maxMessageSize) {
        throw new BrokerError(
          Condition.messageSizeExceeded,
          `The received message (size ${raw.length} bytes) exceeds the limit (${this.maxMessageSize} bytes) currently allowed on the link.`,
        );
      }
      let messages: ParsedMessage[];
      if (format === batchFormat) messages = splitBatch(raw).map((m) => parseMessage(Buffer.from(m)));
      else if (format === 0) messages = [parseMessage(Buffer.from(raw))];
      else throw new BrokerError(Condition.notImplemented, `Message format ${format} is not supported.`);
      this.ns.send(this.target, messages);
    } catch (err) {
      refuse(delivery, asBrokerError(err));
      return;
    }
    const durable = this.ns.ctx.journal.sync();
    if (!durable) {
      delivery.accept();
      return;
    }
    durable.then(
      () => delivery.accept(),
      (err: unknown) => {
        this.log.error({ err }, 'journal write failed; message not confirmed');
        refuse(delivery, asBrokerError(err));
      },
    );
  }
}

function refuse(delivery: Delivery, err: BrokerError): void {
  delivery.reject(err.toAmqp());
}
