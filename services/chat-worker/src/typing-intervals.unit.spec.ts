import { describe, expect, it } from 'vitest';
import { TypingIntervals } from './typing-intervals.js';

describe('TypingIntervals (the worker throttle per user and conversation)', () => {
  it('given a typing frame relayed, refuses another within the interval by the events’ times, and lets the next one through after it', () => {
    const intervals = new TypingIntervals(2_000);
    expect(intervals.take('alice/dev', 'e1', 10_000)).toBe(true);
    expect(intervals.take('alice/dev', 'e2', 11_999)).toBe(false);
    expect(intervals.take('alice/dev', 'e3', 12_000)).toBe(true);
  });

  it('given the same event again (a redelivery), answers as the first time', () => {
    const intervals = new TypingIntervals(2_000);
    expect(intervals.take('k', 'e1', 0)).toBe(true);
    expect(intervals.take('k', 'e1', 10)).toBe(true);
    expect(intervals.take('k', 'e2', 20)).toBe(false);
  });

  it('keeps keys apart, and a refusal does not move the time', () => {
    const intervals = new TypingIntervals(100);
    expect(intervals.take('alice/dev', 'e1', 0)).toBe(true);
    expect(intervals.take('bob/dev', 'e2', 0)).toBe(true);
    expect(intervals.take('alice/ops', 'e3', 0)).toBe(true);
    expect(intervals.take('alice/dev', 'e4', 99)).toBe(false);
    expect(intervals.take('alice/dev', 'e5', 100)).toBe(true);
  });

  it('stays bounded: quiet keys are forgotten first, and a full map of live ones is cleared', () => {
    const intervals = new TypingIntervals(100, 2);
    intervals.take('a', 'e1', 0);
    intervals.take('b', 'e2', 150);
    intervals.take('c', 'e3', 160);
    expect(intervals.size).toBe(2);
    expect(intervals.take('b', 'e4', 170)).toBe(false);
    intervals.take('d', 'e5', 180);
    expect(intervals.size).toBe(1);
  });
});
