import { describe, expect, it } from 'vitest';
import { summarize } from './stats.js';

describe('summarize', () => {
  it('computes nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, unsorted
    expect(summarize(samples)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
  });

  it('reports an empty run as NaN, not zero', () => {
    expect(summarize([]).p99).toBeNaN();
  });
});
