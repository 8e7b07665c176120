import { describe, expect, it } from 'vitest';
import { BatchingSender, MessageTooLargeError, type BatchLike, type BatchTransport } from './batching-sender.js';
import { BusUnavailableError } from './errors.js';

/** An in-memory transport: batches hold up to `capacity` messages; sends wait until released. */
class FakeTransport implements BatchTransport<string, FakeBatch> {
  readonly sent: string[][] = [];
  readonly waiting: Array<{ batch: FakeBatch; release: (error?: Error) => void }> = [];
  manual = false;
  constructor(private readonly capacity = 100) {}
  async createBatch() {
    return new FakeBatch(this.capacity);
  }
  sendBatch(batch: FakeBatch): Promise<void> {
    if (!this.manual) {
      this.sent.push(batch.messages);
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) =>
      this.waiting.push({
        batch,
        release: (error) => {
          if (error) return reject(error);
          this.sent.push(batch.messages);
          resolve();
        },
      }),
    );
  }
}
class FakeBatch implements BatchLike<string> {
  readonly messages: string[] = [];
  constructor(private readonly capacity: number) {}
  tryAddMessage(message: string) {
    if (message.startsWith('huge') || this.messages.length >= this.capacity) return false;
    this.messages.push(message);
    return true;
  }
  get count() {
    return this.messages.length;
  }
}
const until = async (check: () => boolean) => {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(check()).toBe(true);
};

describe('BatchingSender', () => {
  it('sends a lone message at once, in a batch of one', async () => {
    const transport = new FakeTransport();
    await new BatchingSender(transport).send('p-01', 'a');
    expect(transport.sent).toEqual([['a']]);
  });

  it('coalesces what arrives while a batch is in flight into the next batch, in call order', async () => {
    const transport = new FakeTransport();
    transport.manual = true;
    const sender = new BatchingSender(transport);
    const first = sender.send('p-01', 'm1');
    await until(() => transport.waiting.length === 1);
    const rest = ['m2', 'm3', 'm4'].map((message) => sender.send('p-01', message));
    expect(transport.waiting).toHaveLength(1);
    transport.waiting[0]!.release();
    await first;
    await until(() => transport.waiting.length === 2);
    transport.waiting[1]!.release();
    await Promise.all(rest);
    expect(transport.sent).toEqual([['m1'], ['m2', 'm3', 'm4']]);
  });

  it('keeps sessions independent: one slow session does not hold another', async () => {
    const transport = new FakeTransport();
    transport.manual = true;
    const sender = new BatchingSender(transport);
    const slow = sender.send('p-01', 'slow');
    const fast = sender.send('p-02', 'fast');
    await until(() => transport.waiting.length === 2);
    transport.waiting.find((entry) => entry.batch.messages[0] === 'fast')!.release();
    await fast;
    expect(transport.sent).toEqual([['fast']]);
    transport.waiting.find((entry) => entry.batch.messages[0] === 'slow')!.release();
    await slow;
  });

  it('splits at the batch capacity and at maxBatchMessages, keeping order', async () => {
    const transport = new FakeTransport(3);
    const sender = new BatchingSender(transport, { maxBatchMessages: 2 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((message) => sender.send('p', message)));
    expect(transport.sent).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('rejects every caller of a failed batch and goes on with the next', async () => {
    const transport = new FakeTransport();
    transport.manual = true;
    const sender = new BatchingSender(transport);
    const first = sender.send('p', 'x1');
    await until(() => transport.waiting.length === 1);
    const second = sender.send('p', 'x2');
    transport.waiting[0]!.release(new Error('link detached'));
    await expect(first).rejects.toBeInstanceOf(BusUnavailableError);
    await until(() => transport.waiting.length === 2);
    transport.waiting[1]!.release();
    await expect(second).resolves.toBeUndefined();
    expect(transport.sent).toEqual([['x2']]);
  });

  it('rejects a message that fits no batch without blocking the others', async () => {
    const transport = new FakeTransport();
    const sender = new BatchingSender(transport);
    const results = await Promise.allSettled([sender.send('p', 'ok1'), sender.send('p', 'huge'), sender.send('p', 'ok2')]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(MessageTooLargeError);
    expect(transport.sent.flat()).toEqual(['ok1', 'ok2']);
  });

  it('rejects the waiting callers when no batch can be created', async () => {
    const sender = new BatchingSender<string, FakeBatch>({
      createBatch: () => Promise.reject(new Error('no link')),
      sendBatch: () => Promise.resolve(),
    });
    await expect(sender.send('p', 'a')).rejects.toThrow(/no link/);
  });

  it('reports each batch and, once closed, drains and refuses new sends', async () => {
    const outcomes: Array<{ size: number; ok: boolean }> = [];
    const transport = new FakeTransport();
    transport.manual = true;
    const sender = new BatchingSender(transport, { onBatch: ({ size, ok }) => outcomes.push({ size, ok }) });
    const inFlight = sender.send('p', 'last');
    await until(() => transport.waiting.length === 1);
    const closing = sender.close();
    await expect(sender.send('p', 'late')).rejects.toBeInstanceOf(BusUnavailableError);
    expect(sender.pending).toBe(0);
    transport.waiting[0]!.release();
    await closing;
    await inFlight;
    expect(outcomes).toEqual([{ size: 1, ok: true }]);
  });
});
