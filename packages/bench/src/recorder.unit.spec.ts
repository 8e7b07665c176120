import { afterEach, describe, expect, it, vi } from 'vitest';
import { Recorder } from './recorder.js';

describe('Recorder latency by send second', () => {
  afterEach(() => vi.useRealTimers());

  it('groups each delivery under the second its message was sent, counted from the first send', () => {
    vi.useFakeTimers();
    const start = 1_000_000;
    const recorder = new Recorder();
    const deliver = (key: string, sentAt: number, latencyMs: number) => {
      vi.setSystemTime(sentAt + latencyMs);
      recorder.recordDelivery(key, `server-${key}`, 0, sentAt);
    };
    deliver('a', start, 10);
    deliver('b', start + 900, 30);
    deliver('c', start + 1_000, 500);
    deliver('d', start + 3_200, 40);

    expect(recorder.figures(4).latencyBySendSecond).toEqual([
      { second: 0, count: 2, p50: 10, p99: 30 },
      { second: 1, count: 1, p50: 500, p99: 500 },
      { second: 3, count: 1, p50: 40, p99: 40 },
    ]);
  });

  it('is empty when nothing was delivered', () => {
    expect(new Recorder().figures(1).latencyBySendSecond).toEqual([]);
  });
});
