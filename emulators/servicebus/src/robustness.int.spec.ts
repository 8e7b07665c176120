import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isServiceBusError } from '@azure/service-bus';
import { startBroker, type Broker } from './testing/harness.js';

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker({ queues: { q: {} } });
});
afterAll(async () => {
  await broker.close();
});

/** Writes bytes on a fresh TCP connection and resolves when the broker hangs up. */
function sendRaw(chunks: Buffer[]): Promise<'closed'> {
  return new Promise((resolve, reject) => {
    const socket = connect(broker.emulator.port, '127.0.0.1', () => {
      for (const c of chunks) socket.write(c);
    });
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => resolve('closed'));
    setTimeout(() => {
      socket.destroy();
      reject(new Error('broker kept a garbage connection open'));
    }, 10_000);
  });
}

async function roundTrip(body: string): Promise<unknown> {
  await broker.client.createSender('q').sendMessages({ body });
  const receiver = broker.client.createReceiver('q', { receiveMode: 'receiveAndDelete' });
  const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
  await receiver.close();
  return m?.body;
}

describe('bad input', () => {
  it('a garbage TCP client and a malformed AMQP frame end only their own connection', async () => {
    expect(await roundTrip('before')).toBe('before');
    expect(await sendRaw([Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')])).toBe('closed');
    const header = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0, 1, 0, 0]);
    // A frame that claims 16 bytes and holds a performative with an unknown type code.
    const frame = Buffer.from([0, 0, 0, 16, 2, 0, 0, 0, 0x00, 0x53, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(await sendRaw([header, frame])).toBe('closed');
    const sasl = Buffer.from([0x41, 0x4d, 0x51, 0x50, 3, 1, 0, 0]);
    expect(await sendRaw([sasl, Buffer.alloc(64, 0xee)])).toBe('closed');
    expect(await roundTrip('after')).toBe('after');
  });

  it('refuses an oversize message with MessageSizeExceeded and keeps the link usable', async () => {
    const sender = broker.client.createSender('q');
    const err = await sender.sendMessages({ body: 'x'.repeat(300 * 1024) }).catch((e: unknown) => e);
    expect(isServiceBusError(err) && err.code).toBe('MessageSizeExceeded');
    await sender.sendMessages({ body: 'small' });
    const receiver = broker.client.createReceiver('q', { receiveMode: 'receiveAndDelete' });
    const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
    expect(m?.body).toBe('small');
    await Promise.all([receiver.close(), sender.close()]);
  });
});
