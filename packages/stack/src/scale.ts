/** The services that run as several copies; the emulators and stores stay one process each. */
export const SCALABLE_COMPONENTS = ['gateway', 'chat-worker', 'notifier'] as const;
export type ScalableComponent = (typeof SCALABLE_COMPONENTS)[number];
export type Scale = Readonly<Record<ScalableComponent, number>>;

export const DEFAULT_SCALE: Scale = { gateway: 1, 'chat-worker': 1, notifier: 1 };
/** More copies than this on one machine measure the machine, not Parley. */
export const MAX_COPIES = 16;

export const isScalable = (name: string): name is ScalableComponent => (SCALABLE_COMPONENTS as readonly string[]).includes(name);

export class ScaleError extends Error {
  readonly code = 'PARLEY_BAD_SCALE';
}

/**
 * `--scale gateway=3,chat-worker=3,notifier=2`: copies per service, the rest
 * left at one. Every part must name a service once with a whole number 1–16.
 */
export function parseScale(text: string): Scale {
  const scale: Record<ScalableComponent, number> = { ...DEFAULT_SCALE };
  const seen = new Set<string>();
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^([a-z-]+)=(\d+)$/.exec(part);
    if (!match) throw new ScaleError(`--scale: "${part}" is not service=copies (e.g. gateway=3)`);
    const [, name, count] = match as unknown as [string, string, string];
    if (!isScalable(name)) throw new ScaleError(`--scale: "${name}" is not a service that scales; one of ${SCALABLE_COMPONENTS.join(', ')}`);
    if (seen.has(name)) throw new ScaleError(`--scale: ${name} is given twice`);
    seen.add(name);
    const copies = Number(count);
    if (copies < 1 || copies > MAX_COPIES) throw new ScaleError(`--scale: ${name}=${count} must be between 1 and ${MAX_COPIES}`);
    scale[name] = copies;
  }
  if (seen.size === 0) throw new ScaleError('--scale: give at least one service=copies (e.g. gateway=3)');
  return scale;
}

/** `gateway-2`: the name of a copy in logs and stack.json; a service's only copy keeps the service's name. */
export const copyLabel = (name: string, copy: number, copies: number): string => (copies > 1 || copy > 1 ? `${name}-${copy}` : name);
