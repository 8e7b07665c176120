import { describe, expect, it } from 'vitest';
import { BatchingSender, type BatchingErrors, type BatchLike, type BatchTransport } from './batching-sender.js';

class BusUnavailableError extends Error {}
class MessageTooLargeError extends Error {}
const errors: BatchingErrors = { unavailable: (reason) => new BusUnavailableError(reason), tooLarge: () => new MessageTooLargeError() };

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
const tick = () => new Promise((resolve) => setImmediate(resolve));
const until = async (check: () => boolean) => {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(check()).toBe(true);
};

describe('BatchingSender', () => {
  it('sends a lone message at once, in a batch of one', async () => {
    const transport = new FakeTransport();
    await new BatchingSender(transport, { errors }).send('p-01', 'a');
    expect(transport.sent).toEqual([['a']]);
  });

  it('coalesces what arrives while a session is in flight into its next batch, in call order', async () => {
    const transport = new FakeTransport();
    transport.manual = true;
    const sender = new BatchingSender(transport, { errors });
    const first = sender.send('p-01', 'm1');
    await until(() => transport.waiting.length === 1);
    const rest = ['m2', 'm3', 'm4'].map((message) => sender.send('p-01', message));
    await tick();
    expect(transport.waiting).toHaveLength(1); // a session is in one batch in flight at most
    transport.waiting[0]!.release();
    await first;
    await until(() => transport.waiting.length === 2);
    transport.waiting[1]!.release();
    await Promise.all(rest);
    expect(transport.sent).toEqual([['m1'], ['m2', 'm3', 'm4']]);
  });

  it('puts several sessions into one batch once the in-flight slots are taken', async () => {
    const transport = new FakeTransport();
    transport.manual = true;
    const sender = new BatchingSender(transport, { errors, maxInFlightBatches: 1 });
    const first = sender.send('p-01', 'a1');
    await until(() => transport.waiting.length === 1);
    const more = [sender.send('p-02', 'b1'), sender.send('p-01', 'a2'), sender.send('p-03', 'c1'), sender.send('p-02', 'b2')];
    transport.waiting[0]!.release();
    await first;
    await until(() => transport.waiting.length === 2);
    transport.waiting[1]!.release();
    await Promise.all(more);
    // Sessions join in the order they became ready (p-01 only after its batch settled); within a session the call order holds.
    expect(transport.sent).toEqual([['a1'], ['b1', 'b2', 'c1', 'a2']]);
  });

  it('keeps one session per batch when asked to (partitioned entities)', async () => {
    const transport = new FakeTransport();
    const outcomes: number[] = [];
    const sender = new BatchingSender(transport, { errors, maxSessionsPerBatch: 1, onBatch: ({ sessions }) => outcomes.push(sessions) });
    await Promise.all(['p-1:a', 'p-2:b', 'p-1:c', 'p-2:d'].map((entry) => sender.send(entry.split(':')[0]!, entry)));
    expect(transport.sent.map((batch) => batch.map((message) => message.split(':')[0]))).toEqual([['p-1', 'p-1'], ['p-2', 'p-2']]);
    expect(outcomes).toEqual([1, 1]);
  });

  it('keeps sessions independent: one slow batch does not hold another session', async () => {
    const transport = new FakeTransport();
    transport.manual = true;
    const sender = new BatchingSender(transport, { errors });
    const slow = sender.send('p-01', 'slow');
    await until(() => transport.waiting.length === 1);
    const fast = sender.send('p-02', 'fast');
    await until(() => transport.waiting.length === 2);
    transport.waiting[1]!.release();
    await fast;
    expect(transport.sent).toEqual([['fast']]);
    transport.waiting[0]!.release();
    await slow;
  });

  it('splits at the batch capacity and at maxBatchMessages, keeping order', async () => {
    const transport = new FakeTransport(3);
    const sender = new BatchingSender(transport, { errors, maxBatchMessages: 2, maxInFlightBatches: 1 });
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((message) => sender.send('p', message)));
    expect(transport.sent).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    const byCapacity = new FakeTransport(3);
    const other = new BatchingSender(byCapacity, { errors, maxInFlightBatches: 1 });
    await Promise.all(['a', 'b', 'c', 'd'].map((message) => other.send('p', message)));
    expect(byCapacity.sent).toEqual([['a', 'b', 'c'], ['d']]);
  });

  it('rejects every caller of a failed batch and goes on with the next', async () => {
    const transport = new FakeTransport();
    transport.manual = true;
    const sender = new BatchingSender(transport, { errors });
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
    const sender = new BatchingSender(transport, { errors });
    const results = await Promise.allSettled([sender.send('p', 'ok1'), sender.send('p', 'huge'), sender.send('p', 'ok2')]);
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(MessageTooLargeError);
    expect(transport.sent.flat()).toEqual(['ok1', 'ok2']);
  });

  it('rejects the waiting callers when no batch can be created', async () => {
    const sender = new BatchingSender<string, FakeBatch>(
      {
        createBatch: () => Promise.reject(new Error('no link')),
        sendBatch: () => Promise.resolve(),
      },
      { errors },
    );
    await expect(sender.send('p', 'a')).rejects.toThrow(/no link/);
    await sender.drain();
  });

  it('reports each batch and, once closed, drains and refuses new sends', async () => {
    const outcomes: Array<{ size: number; sessions: number; ok: boolean }> = [];
    const transport = new FakeTransport();
    transport.manual = true;
    const sender = new BatchingSender(transport, { errors, onBatch: ({ size, sessions, ok }) => outcomes.push({ size, sessions, ok }) });
    const inFlight = sender.send('p', 'last');
    await until(() => transport.waiting.length === 1);
    let closed = false;
    const closing = sender.close().then(() => (closed = true));
    await expect(sender.send('p', 'late')).rejects.toBeInstanceOf(BusUnavailableError);
    await tick();
    expect(closed).toBe(false);
    transport.waiting[0]!.release();
    await closing;
    await inFlight;
    expect(outcomes).toEqual([{ size: 1, sessions: 1, ok: true }]);
  });
});
