import { describe, expect, it } from 'vitest';
import { envReader, MAX_PARTITIONS, readBusConnection, readLogLevel, readOpsListen, readPartitions } from './config.js';
import { ConfigError, isPermanent, PermanentError } from './errors.js';

describe('envReader', () => {
  it('reads typed values and falls back only where a default is given', () => {
    const env = envReader({ PORT: '7071', DEBUG: 'yes', MODE: 'oidc', LIST: 'a, b,,c', BLANK: '  ' });
    expect(env.int('PORT', 1)).toBe(7071);
    expect(env.int('MISSING', 5)).toBe(5);
    expect(env.bool('DEBUG', false)).toBe(true);
    expect(env.oneOf('MODE', ['development', 'oidc'] as const, 'development')).toBe('oidc');
    expect(env.list('LIST')).toEqual(['a', 'b', 'c']);
    expect(env.optionalString('BLANK')).toBeUndefined();
  });

  it.each([
    ['a required value is missing', () => envReader({}).string('TOKEN'), 'TOKEN: is required'],
    ['an integer is not one', () => envReader({ PORT: 'http' }).int('PORT', 1), 'PORT: must be an integer'],
    ['an integer is out of range', () => envReader({ PORT: '70000' }).int('PORT', 1, { max: 65535 }), 'PORT: must be between'],
    ['a boolean is not one', () => envReader({ X: 'maybe' }).bool('X', false), 'X: must be true or false'],
    ['a choice is unknown', () => envReader({ M: 'x' }).oneOf('M', ['a', 'b'], 'a'), 'M: must be one of a, b'],
    ['a URL is not http(s)', () => envReader({ U: 'ftp://x' }).url('U'), 'U: must be an http(s) URL'],
  ])('names the variable when %s', (_name, read, message) => {
    expect(read).toThrow(ConfigError);
    expect(read).toThrow(message);
  });
});

describe('readBusConnection', () => {
  it('takes a connection string or a namespace, not both and not neither', () => {
    expect(readBusConnection(envReader({ SERVICEBUS_CONNECTION_STRING: 'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=a;SharedAccessKey=b' })).kind).toBe(
      'connectionString',
    );
    expect(readBusConnection(envReader({ SERVICEBUS_NAMESPACE: 'parley.servicebus.windows.net' }))).toEqual({
      kind: 'namespace',
      namespace: 'parley.servicebus.windows.net',
    });
    expect(() => readBusConnection(envReader({}))).toThrow('SERVICEBUS_CONNECTION_STRING: is required');
    expect(() =>
      readBusConnection(envReader({ SERVICEBUS_CONNECTION_STRING: 'Endpoint=sb://x', SERVICEBUS_NAMESPACE: 'x.servicebus.windows.net' })),
    ).toThrow('not both');
    expect(() => readBusConnection(envReader({ SERVICEBUS_CONNECTION_STRING: 'nonsense' }))).toThrow('Endpoint=sb://');
  });
});

describe('isPermanent', () => {
  it('recognises permanent errors and errors that say they are not retryable', () => {
    expect(isPermanent(new PermanentError('HTTP_403', 'forbidden'))).toBe(true);
    expect(isPermanent(Object.assign(new Error('x'), { retryable: false }))).toBe(true);
    expect(isPermanent(new Error('socket hang up'))).toBe(false);
    expect(isPermanent(undefined)).toBe(false);
  });
});

describe('the readers every service shares', () => {
  it('reads LOG_LEVEL as one of pino\'s levels, info by default', () => {
    expect(readLogLevel(envReader({}))).toBe('info');
    expect(readLogLevel(envReader({ LOG_LEVEL: 'debug' }))).toBe('debug');
    expect(() => readLogLevel(envReader({ LOG_LEVEL: 'loud' }))).toThrow('LOG_LEVEL: must be one of');
  });

  it('reads PARTITIONS with one cap for every service (64 by default)', () => {
    expect(readPartitions(envReader({}))).toBe(64);
    expect(readPartitions(envReader({ PARTITIONS: String(MAX_PARTITIONS) }))).toBe(MAX_PARTITIONS);
    expect(() => readPartitions(envReader({ PARTITIONS: String(MAX_PARTITIONS + 1) }))).toThrow('PARTITIONS: must be between 1 and 1024');
    expect(() => readPartitions(envReader({ PARTITIONS: '0' }))).toThrow('PARTITIONS: must be between');
  });

  it('reads OPS_PORT apart from PORT', () => {
    expect(readOpsListen(envReader({ PORT: '7071' }), 7074)).toEqual({ host: '127.0.0.1', port: 7074 });
    expect(readOpsListen(envReader({ OPS_PORT: '0', HOST: '0.0.0.0' }), 7074)).toEqual({ host: '0.0.0.0', port: 0 });
  });
});
