import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseConnectionString, type WebSocketServiceConnection } from '@parley/contracts';
import { envReader, readBusConnection, readPartitions, readTablesConnection, ConfigError, type BusConnection, type TablesConnection } from '@parley/service-kit';
import { CliError, CliErrorCodes } from './errors.js';
import type { Env } from './io.js';

/**
 * Where the CLI finds its services, most specific first:
 *   1. flags `--servicebus`, `--tables`, `--signalr`;
 *   2. the services' variables (SERVICEBUS_CONNECTION_STRING | SERVICEBUS_NAMESPACE,
 *      TABLES_CONNECTION_STRING | TABLES_ACCOUNT_URL, SIGNALR_CONNECTION_STRING);
 *   3. the local stack's `.parley/stack.json` (PARLEY_STACK_FILE, or the first
 *      `.parley/stack.json` in the working directory or one of its parents).
 */
export interface ConnectionFlags {
  readonly servicebus?: string | undefined;
  readonly tables?: string | undefined;
  readonly signalr?: string | undefined;
}

export interface StackFile {
  readonly path: string;
  readonly values: Readonly<Partial<Record<'servicebus' | 'tables' | 'signalr', string>>>;
}

export interface Settings {
  readonly hub: string;
  readonly partitions: number;
  bus(): BusConnection;
  tables(): TablesConnection;
  signalr(): WebSocketServiceConnection;
}

const missing = (what: string, flag: string, vars: string) =>
  new CliError(
    CliErrorCodes.configMissing,
    `no ${what} configured: pass ${flag}, set ${vars}, or start the local stack (npm start writes .parley/stack.json)`,
  );

/** Reads the typed settings once; connection readers throw CliErrors that name the variable or flag. */
export async function loadSettings(env: Env, cwd: string, flags: ConnectionFlags): Promise<Settings> {
  const read = envReader(env);
  let hub: string;
  let partitions: number;
  try {
    hub = read.string('HUB', 'chat');
    // The same reader (and cap) as the gateway and the worker: the session ids must agree.
    partitions = readPartitions(read);
  } catch (error) {
    throw asConfigError(error);
  }
  const found = await findStackFile(env, cwd);
  // Parsed on first use: a broken stack file must not matter when variables or flags say everything.
  let stack: StackFile | undefined;
  const fromStack = (key: keyof StackFile['values']) => {
    if (found && !stack) stack = { path: found.path, values: parseStackFile(found.text, found.path) };
    return stack?.values[key];
  };
  const stackSource = (key: string) => `"${key}" in ${stack?.path}`;

  /**
   * A connection read by the services' own reader: from the flag (turned into the variable it
   * stands for), else the variables, else the stack file's connection string (`names[0]`).
   */
  function viaServiceReader<T>(
    given: { readonly flag: string; readonly value: string | undefined; readonly vars: (flag: string) => Env },
    setting: { readonly names: readonly [string, string]; readonly stackKey: keyof StackFile['values']; readonly what: string },
    reader: (vars: ReturnType<typeof envReader>) => T,
  ): T {
    const flag = given.value?.trim();
    let vars: Env;
    let source: string | undefined; // undefined: the ConfigError already names the variable
    if (flag) {
      vars = given.vars(flag);
      source = given.flag;
    } else if (setting.names.some((name) => read.optionalString(name))) {
      vars = env;
    } else if (fromStack(setting.stackKey)) {
      vars = { [setting.names[0]]: fromStack(setting.stackKey) };
      source = stackSource(setting.stackKey);
    } else {
      throw missing(setting.what, given.flag, setting.names.join(' or '));
    }
    try {
      return reader(envReader(vars));
    } catch (error) {
      throw asConfigError(error, source);
    }
  }

  return Object.freeze({
    hub,
    partitions,
    bus(): BusConnection {
      return viaServiceReader(
        { flag: '--servicebus', value: flags.servicebus, vars: (flag) => (/Endpoint=/i.test(flag) ? { SERVICEBUS_CONNECTION_STRING: flag } : { SERVICEBUS_NAMESPACE: flag }) },
        { names: ['SERVICEBUS_CONNECTION_STRING', 'SERVICEBUS_NAMESPACE'], stackKey: 'servicebus', what: 'Service Bus' },
        readBusConnection,
      );
    },
    tables(): TablesConnection {
      return viaServiceReader(
        { flag: '--tables', value: flags.tables, vars: (flag) => (/^https?:\/\//i.test(flag) ? { TABLES_ACCOUNT_URL: flag } : { TABLES_CONNECTION_STRING: flag }) },
        { names: ['TABLES_CONNECTION_STRING', 'TABLES_ACCOUNT_URL'], stackKey: 'tables', what: 'Table Storage' },
        readTablesConnection,
      );
    },
    signalr(): WebSocketServiceConnection {
      const text = flags.signalr?.trim() || read.optionalString('SIGNALR_CONNECTION_STRING') || fromStack('signalr');
      if (!text) throw missing('SignalR service', '--signalr', 'SIGNALR_CONNECTION_STRING');
      const source = flags.signalr?.trim() ? '--signalr' : read.optionalString('SIGNALR_CONNECTION_STRING') ? 'SIGNALR_CONNECTION_STRING' : stackSource('signalr');
      const parsed = parseConnectionString(text);
      if (!parsed.ok) throw new CliError(CliErrorCodes.configInvalid, `${source}: ${parsed.error.message}`);
      return parsed.value;
    },
  });
}

export async function findStackFile(env: Env, cwd: string): Promise<{ path: string; text: string } | undefined> {
  const explicit = env.PARLEY_STACK_FILE?.trim();
  if (explicit) {
    const path = resolve(cwd, explicit);
    const text = await readFile(path, 'utf8').catch(() => {
      throw new CliError(CliErrorCodes.configInvalid, `PARLEY_STACK_FILE: cannot read ${path}`);
    });
    return { path, text };
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const path = join(dir, '.parley', 'stack.json');
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text !== undefined) return { path, text };
    if (dirname(dir) === dir) return undefined;
  }
}

function parseStackFile(text: string, path: string): StackFile['values'] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CliError(CliErrorCodes.configInvalid, `${path}: not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CliError(CliErrorCodes.configInvalid, `${path}: not a JSON object`);
  const record = value as Record<string, unknown>;
  const values: Partial<Record<'servicebus' | 'tables' | 'signalr', string>> = {};
  for (const key of ['servicebus', 'tables', 'signalr'] as const) {
    if (typeof record[key] === 'string' && record[key]) values[key] = record[key];
  }
  return values;
}

/** A ConfigError names its variable; `source` replaces it when the value came from a flag or the stack file. */
function asConfigError(error: unknown, source?: string): CliError {
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof ConfigError && source) {
    return new CliError(CliErrorCodes.configInvalid, `${source}: ${message.slice(error.variable.length + 2)}`);
  }
  return new CliError(CliErrorCodes.configInvalid, source ? `${source}: ${message}` : message);
}
