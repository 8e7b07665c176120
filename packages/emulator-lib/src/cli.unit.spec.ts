import { describe, expect, it } from 'vitest';
import { parseLongOptions, portFromText } from './cli.js';

const invalid = (reason: string): never => {
  throw new Error(reason);
};
const spec = { valued: ['port', 'data-dir'], switches: ['in-memory'] };

describe('parseLongOptions', () => {
  it('reads --name value, --name=value and switches; the last value given wins', () => {
    const { values, switches } = parseLongOptions(['--port', '1', '--data-dir=/d', '--in-memory', '--port=2'], spec, invalid);
    expect(Object.fromEntries(values)).toEqual({ port: '2', 'data-dir': '/d' });
    expect([...switches]).toEqual(['in-memory']);
  });

  it('keeps a value that contains "="', () => {
    expect(parseLongOptions(['--data-dir=a=b'], spec, invalid).values.get('data-dir')).toBe('a=b');
  });

  it.each([
    [['positional'], 'unexpected argument "positional"'],
    [['-p', '1'], 'unexpected argument "-p"'],
    [['--help'], 'unknown option --help'],
    [['--in-memory=yes'], 'unknown option --in-memory'],
    [['--port'], 'option --port needs a value'],
    [['--port='], 'option --port needs a value'],
  ])('refuses %j: %s', (argv, reason) => {
    expect(() => parseLongOptions(argv, spec, invalid)).toThrow(new Error(reason));
  });

  it('takes the next argument as the value even when it looks like an option', () => {
    expect(parseLongOptions(['--data-dir', '--port'], spec, invalid).values.get('data-dir')).toBe('--port');
  });
});

describe('portFromText', () => {
  it.each([
    ['0', 0],
    ['5672', 5672],
    ['65535', 65535],
  ])('reads %s', (text, port) => {
    expect(portFromText(text)).toBe(port);
  });

  it.each(['65536', '-1', '80.5', '0x50', ' 80', '', 'eighty', '1e3'])('refuses %j', (text) => {
    expect(portFromText(text)).toBeUndefined();
  });
});
