export interface LongOptions {
  /** `--name value` or `--name=value`, the last one given wins. */
  readonly values: ReadonlyMap<string, string>;
  /** Flags without a value that were given (`--in-memory`). */
  readonly switches: ReadonlySet<string>;
}

export interface LongOptionSpec {
  /** Options that take a value. */
  readonly valued: readonly string[];
  /** Options that take none. */
  readonly switches?: readonly string[];
}

/**
 * Parses a bin's arguments: only `--name value`, `--name=value` and the named
 * switches. `invalid` receives the reason (an argument that is not an option,
 * an unknown option, an option without its value) and must throw, so each bin
 * reports it with its own code and usage.
 */
export function parseLongOptions(argv: readonly string[], spec: LongOptionSpec, invalid: (reason: string) => never): LongOptions {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) invalid(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    if (eq < 0 && spec.switches?.includes(name)) {
      switches.add(name);
      continue;
    }
    if (!spec.valued.includes(name)) invalid(`unknown option --${name}`);
    const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined || value === '') invalid(`option --${name} needs a value`);
    values.set(name, value);
  }
  return { values, switches };
}

/** A TCP port written in decimal digits (0, which picks a free port, included); undefined for anything else. */
export function portFromText(text: string): number | undefined {
  const port = Number(text);
  return /^\d+$/.test(text) && port <= 65535 ? port : undefined;
}
