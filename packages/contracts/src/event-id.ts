import { randomBytes } from 'node:crypto';

// Crockford base32: sorts the same as a string as it does as a number.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
export const EVENT_ID_PATTERN = /^[0-9A-HJKMNP-TV-Z]{26}$/;

function encodeTime(ms: number): string {
  let out = '';
  let value = ms;
  for (let i = 0; i < TIME_CHARS; i++) {
    out = ALPHABET[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): number[] {
  // 16 base32 digits = 80 bits = 10 bytes; keep them as digits so we can increment.
  const digits: number[] = [];
  let bits = 0;
  let acc = 0;
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      digits.push((acc >> bits) & 31);
    }
  }
  return digits.slice(0, RANDOM_CHARS);
}

/**
 * Time-sortable, unique event ids (ULID layout: 48-bit milliseconds, 80 random
 * bits). Ids from one generator increase strictly, also within one millisecond,
 * so the event log's row keys sort in the order the gateway stamped them.
 */
export function createEventIdGenerator(now: () => number = Date.now, random: (n: number) => Uint8Array = randomBytes) {
  let lastTime = -1;
  let lastRandom: number[] = [];
  return function nextEventId(): string {
    const time = Math.max(now(), lastTime);
    if (time === lastTime) {
      lastRandom = increment(lastRandom);
    } else {
      lastTime = time;
      lastRandom = encodeRandom(random(10));
    }
    return encodeTime(time) + lastRandom.map((digit) => ALPHABET[digit]).join('');
  };
}

function increment(digits: number[]): number[] {
  const next = [...digits];
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i]! < 31) {
      next[i]! += 1;
      return next;
    }
    next[i] = 0;
  }
  throw new Error('event id random part overflowed within one millisecond');
}

/** The millisecond timestamp an event id was stamped at. */
export function eventIdTime(id: string): number {
  let ms = 0;
  for (const char of id.slice(0, TIME_CHARS)) ms = ms * 32 + ALPHABET.indexOf(char);
  return ms;
}

/** The smallest id stamped at or after `ms`: a bound for range queries on the event log. */
export function eventIdLowerBound(ms: number): string {
  return encodeTime(ms) + '0'.repeat(RANDOM_CHARS);
}

export const nextEventId = createEventIdGenerator();
