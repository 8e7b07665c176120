import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const base = {
  SERVICEBUS_CONNECTION_STRING: 'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true',
  TABLES_CONNECTION_STRING: 'UseDevelopmentStorage=true',
};

describe('loadConfig', () => {
  it('given only the connections, then the documented defaults apply and the result is frozen', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      partitions: 64,
      maxConcurrentSessions: 64,
      hub: 'chat',
      historyDefaultLimit: 50,
      presence: { maxConnectionsPerUser: 32, tombstoneMs: 24 * 3_600_000 },
      listen: { host: '127.0.0.1', port: 7072 },
      logLevel: 'info',
      tables: { kind: 'connectionString', connectionString: 'UseDevelopmentStorage=true' },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('given no RETENTION_DAYS, then everything is kept; given one, then the sweep is bounded as set', () => {
    expect(loadConfig(base).retention).toBeUndefined();
    expect(loadConfig({ ...base, RETENTION_DAYS: '30' }).retention).toEqual({ retentionMs: 30 * 86_400_000, deletesPerSecond: 50, sweepEveryMs: 3_600_000, firstSweepAfterMs: 60_000 });
    expect(loadConfig({ ...base, RETENTION_DAYS: '0.5', RETENTION_DELETES_PER_SECOND: '200', RETENTION_SWEEP_MINUTES: '5' }).retention).toMatchObject({
      retentionMs: 43_200_000,
      deletesPerSecond: 200,
      sweepEveryMs: 300_000,
    });
    expect(() => loadConfig({ ...base, RETENTION_DAYS: '0' })).toThrow(/RETENTION_DAYS.*positive number of days/);
    expect(() => loadConfig({ ...base, RETENTION_DAYS: 'forever' })).toThrow(/RETENTION_DAYS/);
    expect(() => loadConfig({ ...base, RETENTION_DAYS: '7', RETENTION_DELETES_PER_SECOND: '0' })).toThrow(/RETENTION_DELETES_PER_SECOND/);
  });

  it('given managed identity settings, then the account URL is used', () => {
    const config = loadConfig({ SERVICEBUS_NAMESPACE: 'parley.servicebus.windows.net', TABLES_ACCOUNT_URL: 'https://parley.table.core.windows.net' });
    expect(config.tables).toEqual({ kind: 'accountUrl', accountUrl: 'https://parley.table.core.windows.net' });
    expect(config.bus).toEqual({ kind: 'namespace', namespace: 'parley.servicebus.windows.net' });
  });

  it.each([
    [{ TABLES_CONNECTION_STRING: undefined }, /TABLES_CONNECTION_STRING: is required/],
    [{ TABLES_ACCOUNT_URL: 'https://x.table.core.windows.net' }, /TABLES_CONNECTION_STRING: set either/],
    [{ TABLES_CONNECTION_STRING: 'nonsense' }, /TABLES_CONNECTION_STRING: must be/],
    [{ TABLES_CONNECTION_STRING: undefined, TABLES_ACCOUNT_URL: 'ftp://x' }, /TABLES_ACCOUNT_URL: must be an http/],
    [{ PARTITIONS: '0' }, /PARTITIONS: must be between/],
    [{ MAX_CONCURRENT_SESSIONS: 'many' }, /MAX_CONCURRENT_SESSIONS: must be an integer/],
    [{ HISTORY_DEFAULT_LIMIT: '101' }, /HISTORY_DEFAULT_LIMIT: must be between 1 and 100/],
    [{ PORT: '70000' }, /PORT: must be between/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL: must be one of/],
    [{ SERVICEBUS_CONNECTION_STRING: undefined }, /SERVICEBUS_CONNECTION_STRING: is required/],
  ])('given %j, then it fails naming the variable', (overrides, message) => {
    expect(() => loadConfig({ ...base, ...overrides })).toThrow(message);
  });
});
