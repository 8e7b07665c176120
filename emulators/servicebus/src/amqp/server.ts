import type { AddressInfo, Server, Socket } from 'node:net';
import type { Connection, EventContext, Receiver, Sender } from 'rhea';
import type { Namespace } from '../broker/namespace.js';
import { asBrokerError, BrokerError, Condition, EmulatorError, entityNotFound } from '../errors.js';
import type { Logger } from '../logger.js';
import { parseAddress } from './address.js';
import { IncomingLink } from './incoming-link.js';
import { OutgoingLink } from './outgoing-link.js';
import { container } from './rhea.js';
import { FrameGuard } from './frame-guard.js';
import { forgetConnection, remoteAttach } from './rhea-internals.js';
import { ReplyRoutes, serveCbs, serveManagement } from './request-links.js';

/** Frames larger than this are split by clients; announced in our open. */
const maxFrameSize = 1024 * 1024;

export interface AmqpServerOptions {
  readonly host: string;
  readonly port: number;
  readonly maxMessageSize: number;
  readonly ns: Namespace;
  readonly log: Logger;
}

/**
 * The AMQP 1.0 listener. Every link is routed by its address; a link to
 * something that does not exist is refused with a detach that the SDK turns
 * into MessagingEntityNotFound. Protocol errors end only their connection.
 */
export class AmqpServer {
  private readonly rhea = container.create_container({ id: 'servicebus-emulator' });
  private readonly routes = new ReplyRoutes();
  private readonly sockets = new Set<Socket>();
  private readonly connections = new Set<Connection>();
  /** Links to close when their connection goes away without detaching them. */
  private readonly linkClosers = new WeakMap<Connection, Set<() => void>>();
  private server: Server | undefined;
  private port = 0;

  constructor(private readonly options: AmqpServerOptions) {
    const r = this.rhea;
    r.on('sender_open', (ctx: EventContext) => this.guard(ctx.sender, () => this.onSenderOpen(ctx.sender as Sender)));
    r.on('receiver_open', (ctx: EventContext) => this.guard(ctx.receiver, () => this.onReceiverOpen(ctx.receiver as Receiver)));
    // Without listeners rhea would rethrow these from its socket handlers.
    r.on('error', (err: unknown) => this.options.log.debug({ err }, 'amqp connection error'));
    r.on('protocol_error', (ctx: unknown) => this.options.log.debug({ err: String(ctx) }, 'amqp protocol error'));
    r.on('connection_error', (ctx: EventContext) => this.options.log.debug({ err: ctx.connection.error }, 'amqp connection closed with error'));
    r.on('connection_open', (ctx: EventContext) => this.connections.add(ctx.connection));
    r.on('connection_close', (ctx: EventContext) => this.dropLinks(ctx.connection));
    r.on('disconnected', (ctx: EventContext) => {
      this.options.log.debug({ err: (ctx as { error?: unknown }).error }, 'amqp client disconnected');
      this.dropLinks(ctx.connection);
    });
  }

  private dropLinks(connection: Connection): void {
    this.connections.delete(connection);
    const closers = this.linkClosers.get(connection);
    this.linkClosers.delete(connection);
    for (const close of closers ?? []) close();
  }

  private onConnectionGone(connection: Connection, close: () => void): void {
    let closers = this.linkClosers.get(connection);
    if (!closers) this.linkClosers.set(connection, (closers = new Set()));
    closers.add(close);
  }

  start(): Promise<number> {
    const { host, port } = this.options;
    return new Promise((resolve, reject) => {
      const server = this.rhea.listen({
        host,
        port,
        tcp_no_delay: true,
        max_frame_size: maxFrameSize,
        autoaccept: false,
        treat_modified_as_released: false,
        container_id: 'servicebus-emulator',
      } as never) as unknown as Server;
      this.server = server;
      // Runs before rhea's own listener, so the guard sees every byte first.
      server.prependListener('connection', (socket: Socket) => {
        this.sockets.add(socket);
        const guard = new FrameGuard(maxFrameSize + 1024);
        socket.prependListener('data', (chunk: Buffer) => {
          if (!guard.accept(chunk)) {
            this.options.log.debug('oversize frame announced; connection dropped');
            socket.destroy();
            for (const c of this.connections) {
              if ((c as unknown as { socket?: unknown }).socket === socket) {
                forgetConnection(c);
                this.dropLinks(c);
              }
            }
          }
        });
        socket.on('error', () => undefined);
        socket.on('close', () => this.sockets.delete(socket));
      });
      server.once('error', (err: Error) =>
        reject(new EmulatorError('SBEMU_LISTEN_FAILED', `cannot listen on ${host}:${port}: ${err.message}`, { cause: err })),
      );
      server.once('listening', () => {
        this.port = (server.address() as AddressInfo).port;
        server.on('error', (err: Error) => this.options.log.error({ err }, 'listener error'));
        resolve(this.port);
      });
    });
  }

  get listeningPort(): number {
    return this.port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    for (const connection of [...this.connections]) {
      forgetConnection(connection);
      this.dropLinks(connection);
    }
    await closed;
  }

  /** Refuses a link instead of letting an exception end the connection. */
  private guard(link: Sender | Receiver | undefined, open: () => void): void {
    if (!link) return;
    try {
      open();
    } catch (err) {
      const e = asBrokerError(err);
      if (e.condition === Condition.internalError) this.options.log.error({ err }, 'link attach failed');
      link.close(e.toAmqp());
    }
  }

  private fullAddress(address: string): string {
    return `sb://${this.options.host}:${this.port}/${address}`;
  }

  /** The client's receiver links: message consumers and reply links. */
  private onSenderOpen(sender: Sender): void {
    const remote = remoteAttach(sender);
    const address = remote.source?.address ?? '';
    const parsed = parseAddress(address);
    if (parsed?.kind === 'cbs' || parsed?.management) {
      sender.set_source((remote.source ?? {}) as never);
      sender.set_target((remote.target ?? {}) as never);
      this.routes.register(sender);
      return;
    }
    if (!parsed) throw entityNotFound(this.fullAddress(address));
    const store = this.options.ns.store(parsed.entity, parsed.subscription, parsed.deadLetter);
    if (!store) throw entityNotFound(this.fullAddress(address));
    const link = new OutgoingLink(sender, store, this.options.log);
    this.onConnectionGone(sender.connection, () => link.close());
    link.open();
  }

  /** The client's sender links: messages, $cbs and $management requests. */
  private onReceiverOpen(receiver: Receiver): void {
    const remote = remoteAttach(receiver);
    const address = remote.target?.address ?? '';
    const parsed = parseAddress(address);
    const ns = this.options.ns;
    if (parsed?.kind === 'cbs') {
      receiver.set_target((remote.target ?? {}) as never);
      serveCbs(receiver, this.routes, this.options.log);
      return;
    }
    if (!parsed) throw entityNotFound(this.fullAddress(address));
    if (parsed.management) {
      const store = ns.store(parsed.entity, parsed.subscription, parsed.deadLetter);
      const target = parsed.subscription === undefined && !parsed.deadLetter ? ns.target(parsed.entity) : undefined;
      if (!store && !target) throw entityNotFound(this.fullAddress(address));
      receiver.set_target((remote.target ?? {}) as never);
      serveManagement(receiver, { ns, path: address, store, target }, this.routes, this.options.log);
      return;
    }
    if (parsed.subscription !== undefined || parsed.deadLetter) {
      if (!ns.store(parsed.entity, parsed.subscription, parsed.deadLetter)) throw entityNotFound(this.fullAddress(address));
      throw new BrokerError(Condition.notAllowed, `Messages cannot be sent to '${address}'; send to the queue or topic.`);
    }
    const target = ns.target(parsed.entity);
    if (!target) throw entityNotFound(this.fullAddress(address));
    new IncomingLink(receiver, ns, target, this.options.maxMessageSize, this.options.log).open();
  }
}
