import { describe, expect, it } from 'vitest';
import type { ChatEvent } from '@parley/contracts';
import { createLogger } from '@parley/service-kit';
import { connectedEvent, disconnectedEvent, messageEvent } from './chat-events.js';
import { ConnectionLanes } from './connection-lanes.js';
import { BusUnavailableError } from '../errors.js';

const source = (connectionId: string, eventId: string) => ({
  hub: 'chat',
  connectionId,
  userId: 'alice',
  eventId,
  receivedAt: new Date(0),
  traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`,
});
const send = (connectionId: string, id: string) => messageEvent(source(connectionId, id), { type: 'send', id, text: id });

/** A bus whose sends the test accepts or fails one by one. */
function controlledBus() {
  const calls: Array<{ event: ChatEvent; settle: (error?: Error) => void }> = [];
  const accepted: string[] = [];
  const publish = (event: ChatEvent) =>
    new Promise<void>((resolve, reject) =>
      calls.push({
        event,
        settle: (error) => {
          if (error) return reject(error);
          accepted.push(event.metadata.eventId);
          resolve();
        },
      }),
    );
  return { calls, accepted, publish };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));
async function until(check: () => boolean) {
  for (let i = 0; i < 2000 && !check(); i++) await tick();
  expect(check()).toBe(true);
}
const logger = createLogger('lanes-test', 'silent');

describe('ConnectionLanes', () => {
  it('sends the events of one connection one after another, in the order handed in', async () => {
    const bus = controlledBus();
    const lanes = new ConnectionLanes({ publish: bus.publish, logger });
    lanes.post('c1', connectedEvent(source('c1', 'e1')));
    const message = lanes.send('c1', send('c1', 'e2'));
    await until(() => bus.calls.length === 1);
    await tick();
    expect(bus.calls).toHaveLength(1); // e2 waits for e1
    bus.calls[0]!.settle();
    await until(() => bus.calls.length === 2);
    bus.calls[1]!.settle();
    await message;
    expect(bus.accepted).toEqual(['e1', 'e2']);
  });

  it('runs different connections side by side', async () => {
    const bus = controlledBus();
    const lanes = new ConnectionLanes({ publish: bus.publish, logger });
    void lanes.send('c1', send('c1', 'a'));
    const other = lanes.send('c2', send('c2', 'b'));
    await until(() => bus.calls.length === 2);
    bus.calls[1]!.settle();
    await other;
    expect(bus.accepted).toEqual(['b']);
    bus.calls[0]!.settle();
  });

  it('holds a posted event until its start signal (the connect answer) and still keeps its place', async () => {
    const bus = controlledBus();
    const lanes = new ConnectionLanes({ publish: bus.publish, logger });
    let answered!: () => void;
    lanes.post('c1', connectedEvent(source('c1', 'connected')), new Promise<void>((resolve) => (answered = resolve)));
    const message = lanes.send('c1', send('c1', 'first'));
    await tick();
    expect(bus.calls).toHaveLength(0);
    answered();
    await until(() => bus.calls.length === 1);
    expect(bus.calls[0]!.event.metadata.eventId).toBe('connected');
    bus.calls[0]!.settle();
    await until(() => bus.calls.length === 2);
    bus.calls[1]!.settle();
    await message;
    expect(bus.accepted).toEqual(['connected', 'first']);
  });

  it('rejects a waited send the bus refused, and the lane goes on', async () => {
    const bus = controlledBus();
    const lanes = new ConnectionLanes({ publish: bus.publish, logger });
    const failing = lanes.send('c1', send('c1', 'x'));
    const next = lanes.send('c1', send('c1', 'y'));
    await until(() => bus.calls.length === 1);
    bus.calls[0]!.settle(new BusUnavailableError('down'));
    await expect(failing).rejects.toBeInstanceOf(BusUnavailableError);
    await until(() => bus.calls.length === 2);
    bus.calls[1]!.settle();
    await expect(next).resolves.toBeUndefined();
  });

  it('retries a failed posted event; messages behind it fail fast (503) instead of overtaking it', async () => {
    const bus = controlledBus();
    const lanes = new ConnectionLanes({ publish: bus.publish, logger, retryDelaysMs: [60_000, 60_000] });
    lanes.post('c1', connectedEvent(source('c1', 'connected')));
    await until(() => bus.calls.length === 1);
    const behind = lanes.send('c1', send('c1', 'm1'));
    bus.calls[0]!.settle(new Error('down'));
    await expect(behind).rejects.toBeInstanceOf(BusUnavailableError);
    // A new arrival cuts the long back-off short: the connected event is retried first.
    const later = lanes.send('c1', send('c1', 'm2'));
    await until(() => bus.calls.length === 2);
    expect(bus.calls[1]!.event.metadata.eventId).toBe('connected');
    bus.calls[1]!.settle();
    await until(() => bus.calls.length === 3);
    bus.calls[2]!.settle();
    await later;
    expect(bus.accepted).toEqual(['connected', 'm2']);
    await until(() => lanes.size === 0);
  });

  it('gives up on a posted event after the last retry and keeps the rest of the lane', async () => {
    let attempts = 0;
    const accepted: string[] = [];
    const lanes = new ConnectionLanes({
      publish: async (event) => {
        if (event.type === 'chat.connected') {
          attempts++;
          throw new Error('down');
        }
        accepted.push(event.type);
      },
      logger,
      retryDelaysMs: [1, 1],
    });
    lanes.post('c1', connectedEvent(source('c1', 'e1')));
    lanes.post('c1', disconnectedEvent(source('c1', 'e2')));
    await until(() => accepted.length === 1);
    expect(attempts).toBe(3);
    expect(accepted).toEqual(['chat.disconnected']);
  });

  it('drain waits for in-flight sends and cuts back-off short', async () => {
    const bus = controlledBus();
    const lanes = new ConnectionLanes({ publish: bus.publish, logger, retryDelaysMs: [60_000] });
    lanes.post('c1', disconnectedEvent(source('c1', 'd1')));
    await until(() => bus.calls.length === 1);
    bus.calls[0]!.settle(new Error('blip'));
    await tick();
    const drained = lanes.drain();
    await until(() => bus.calls.length === 2); // the one last attempt, at once
    bus.calls[1]!.settle();
    await drained;
    expect(bus.accepted).toEqual(['d1']);
    expect(lanes.size).toBe(0);
  });
});
