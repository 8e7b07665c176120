import { describe, expect, it } from 'vitest';
import { copyLabel, parseScale, ScaleError } from './scale.js';

describe('parseScale (npm start -- --scale)', () => {
  it('reads copies per service and leaves the others at one', () => {
    expect(parseScale('gateway=3,chat-worker=3,notifier=2')).toEqual({ gateway: 3, 'chat-worker': 3, notifier: 2 });
    expect(parseScale(' notifier=2 ')).toEqual({ gateway: 1, 'chat-worker': 1, notifier: 2 });
  });

  it.each([
    ['gateway', 'is not service=copies'],
    ['gateway=x', 'is not service=copies'],
    ['tables=2', '"tables" is not a service that scales'],
    ['gateway=2,gateway=3', 'gateway is given twice'],
    ['notifier=0', 'must be between 1 and 16'],
    ['chat-worker=17', 'must be between 1 and 16'],
    ['', 'give at least one'],
  ])('refuses %j with a coded reason', (text, reason) => {
    let caught: unknown;
    try {
      parseScale(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ScaleError);
    expect((caught as ScaleError).code).toBe('PARLEY_BAD_SCALE');
    expect((caught as ScaleError).message).toContain(reason);
  });

  it('names a copy by number only when the service runs several or it is not the first', () => {
    expect(copyLabel('notifier', 1, 1)).toBe('notifier');
    expect(copyLabel('notifier', 1, 2)).toBe('notifier-1');
    expect(copyLabel('notifier', 3, 1)).toBe('notifier-3');
  });
});
