import rhea from 'rhea';
import type { EventContext } from 'rhea';

/**
 * Broker capacity with a thin pipelined AMQP client (rhea, up to `window`
 * unsettled transfers), so the SDK's per-call overhead is not what is measured.
 */
export async function rawThroughput(port: number, queue: string, total: number, window = 500): Promise<{ send: number; receive: number }> {
  const container = rhea.create_container();
  const connection = container.connect({ host: '127.0.0.1', port, tcp_no_delay: true, reconnect: false } as never);
  const body = rhea.message.data_section(Buffer.alloc(1024, 'x'));
  const send = await new Promise<number>((resolve, reject) => {
    const sender = connection.open_sender({ target: { address: queue } });
    let sent = 0;
    let accepted = 0;
    let started = 0;
    const pump = () => {
      if (started === 0) started = performance.now();
      while (sent < total && sent - accepted < window && sender.sendable()) {
        sender.send({ body });
        sent++;
      }
    };
    sender.on('sendable', pump);
    sender.on('accepted', () => {
      accepted++;
      if (accepted === total) resolve(total / ((performance.now() - started) / 1000));
      else pump();
    });
    sender.on('rejected', (ctx: EventContext) => reject(new Error(String(ctx.delivery?.remote_state))));
  });
  const receive = await new Promise<number>((resolve) => {
    const receiver = connection.open_receiver({ source: { address: queue }, autoaccept: false, rcv_settle_mode: 1, credit_window: window } as never);
    let completed = 0;
    const started = performance.now();
    receiver.on('message', (ctx: EventContext) => ctx.delivery?.accept());
    receiver.on('settled', () => {
      completed++;
      if (completed === total) resolve(total / ((performance.now() - started) / 1000));
    });
  });
  connection.close();
  return { send, receive };
}
