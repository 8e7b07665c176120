import { describe, expect, it } from 'vitest';
import { EmulatorError } from './errors.js';

type TablesCode = 'TBLEMU_ARGS_INVALID' | 'TBLEMU_DB_OPEN';
class TablesError extends EmulatorError<TablesCode> {}

describe('EmulatorError', () => {
  it('carries its code, message and cause, and is recognised through an emulator subclass', () => {
    const cause = new Error('EACCES');
    const err: EmulatorError = new TablesError('TBLEMU_DB_OPEN', 'cannot open /x/tables.sqlite', { cause });
    expect(err).toBeInstanceOf(EmulatorError);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('TBLEMU_DB_OPEN');
    expect(err.message).toBe('cannot open /x/tables.sqlite');
    expect(err.cause).toBe(cause);
    expect(err.name).toBe('EmulatorError');
  });

  it('lets a subclass name itself', () => {
    class ConfigError extends EmulatorError<'X_CONFIG'> {
      override name = 'ConfigError';
    }
    expect(new ConfigError('X_CONFIG', 'bad').name).toBe('ConfigError');
  });
});
