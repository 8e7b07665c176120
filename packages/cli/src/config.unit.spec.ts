import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliErrorCodes } from './errors.js';
import { loadSettings } from './config.js';

const BUS = 'Endpoint=sb://127.0.0.1:5999;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;';
const TABLES = 'UseDevelopmentStorage=true';
const SIGNALR = 'Endpoint=http://127.0.0.1;Port=8999;AccessKey=key;Version=1.0;';

describe('loadSettings', () => {
  let root: string;
  let nested: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'parley-cli-config-'));
    nested = join(root, 'a', 'b');
    await mkdir(join(root, '.parley'), { recursive: true });
    await mkdir(nested, { recursive: true });
    await writeFile(join(root, '.parley', 'stack.json'), JSON.stringify({ servicebus: BUS, tables: TABLES, signalr: SIGNALR, gatewayUrl: 'http://x' }));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('falls back to the nearest .parley/stack.json', async () => {
    const settings = await loadSettings({}, nested, {});
    expect(settings.bus()).toEqual({ kind: 'connectionString', connectionString: BUS });
    expect(settings.tables()).toEqual({ kind: 'connectionString', connectionString: TABLES });
    expect(settings.signalr().baseUrl).toBe('http://127.0.0.1:8999');
    expect(settings.hub).toBe('chat');
    expect(settings.partitions).toBe(64);
  });

  it('prefers variables to the stack file, and flags to both', async () => {
    const env = { SERVICEBUS_NAMESPACE: 'ns.servicebus.windows.net', TABLES_ACCOUNT_URL: 'https://acct.table.core.windows.net/', HUB: 'support', PARTITIONS: '16' };
    const settings = await loadSettings(env, nested, { signalr: 'Endpoint=https://sig.service.signalr.net;AccessKey=k;Version=1.0;' });
    expect(settings.bus()).toEqual({ kind: 'namespace', namespace: 'ns.servicebus.windows.net' });
    expect(settings.tables()).toEqual({ kind: 'accountUrl', accountUrl: 'https://acct.table.core.windows.net' });
    expect(settings.signalr().baseUrl).toBe('https://sig.service.signalr.net');
    expect([settings.hub, settings.partitions]).toEqual(['support', 16]);
    const flagged = await loadSettings(env, nested, { servicebus: BUS });
    expect(flagged.bus()).toEqual({ kind: 'connectionString', connectionString: BUS });
  });

  it('says what to set when nothing is configured', async () => {
    await writeFile(join(root, 'empty.json'), '{}');
    const settings = await loadSettings({ PARLEY_STACK_FILE: join(root, 'empty.json') }, nested, {});
    for (const read of [() => settings.bus(), () => settings.tables(), () => settings.signalr()]) {
      expect(read).toThrow(expect.objectContaining({ code: CliErrorCodes.configMissing, message: expect.stringMatching(/pass --\w+, set [A-Z_]+/) }));
    }
  });

  it('names the variable or flag of a bad value', async () => {
    await expect(loadSettings({ PARTITIONS: 'many' }, nested, {})).rejects.toMatchObject({ code: CliErrorCodes.configInvalid, message: expect.stringContaining('PARTITIONS') });
    const settings = await loadSettings({ SIGNALR_CONNECTION_STRING: 'Endpoint=ftp://x;AccessKey=k' }, nested, { servicebus: 'Endpoint=http://nope' });
    expect(() => settings.signalr()).toThrow(/SIGNALR_CONNECTION_STRING: Endpoint must be http or https/);
    expect(() => settings.bus()).toThrow(/--servicebus: must contain Endpoint=sb:/);
    await expect(loadSettings({ PARLEY_STACK_FILE: join(root, 'missing.json') }, nested, {})).rejects.toThrow(/PARLEY_STACK_FILE: cannot read/);
    // A broken stack file matters only when a value has to come from it.
    await writeFile(join(root, 'broken.json'), 'not json');
    const broken = await loadSettings({ PARLEY_STACK_FILE: join(root, 'broken.json'), SIGNALR_CONNECTION_STRING: SIGNALR }, nested, {});
    expect(broken.signalr().baseUrl).toBe('http://127.0.0.1:8999');
    expect(() => broken.bus()).toThrow(/broken.json: not JSON/);
  });
});
