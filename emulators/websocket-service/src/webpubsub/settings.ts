import { ConfigError } from '../errors.js';

/**
 * Web PubSub event handler settings in the shape of Microsoft's emulator's
 * `appsettings.json` (docs/protocols.md §2):
 *
 *   {"WebPubSub":{"AccessKey":"…","Hubs":{"chat":{"EventHandlers":[
 *     {"UrlTemplate":"http://…/{hub}/{event}","SystemEvents":["connect"],"EventPattern":"*"}]}}}}
 *
 * Field names are case-insensitive, as .NET configuration binding reads them.
 * Parley extension: the hub key `*` matches every hub not named otherwise.
 */
export type SystemEvent = 'connect' | 'connected' | 'disconnected';
export const SYSTEM_EVENTS: readonly SystemEvent[] = ['connect', 'connected', 'disconnected'];

export interface EventHandlerSetting {
  readonly urlTemplate: string;
  /** Lower-case names of the system events this handler takes. */
  readonly systemEvents: readonly SystemEvent[];
  /** `*`, a comma list or one user event name; matched case-insensitively. */
  readonly eventPattern: string;
}

export interface WebPubSubSettings {
  /** Hub name (lower case, or `*`) → its handlers in order; the first matching one wins. */
  readonly hubs: ReadonlyMap<string, readonly EventHandlerSetting[]>;
}

export const EMPTY_WEBPUBSUB: WebPubSubSettings = Object.freeze({ hubs: new Map() });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads `obj` with case-insensitive keys; any key outside `known` is refused, naming it. */
export function fieldsOf(obj: Record<string, unknown>, known: readonly string[], path: string): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [key, value] of Object.entries(obj)) {
    const name = known.find((k) => k.toLowerCase() === key.toLowerCase());
    if (!name) throw new ConfigError(`${path}.${key}`, `is not a known field (known: ${known.join(', ')})`);
    if (out.has(name)) throw new ConfigError(`${path}.${key}`, `is given twice (names are case-insensitive)`);
    out.set(name, value);
  }
  return out;
}

const PLACEHOLDERS = new Set(['hub', 'event']);

/** An http(s) URL template whose only placeholders are {hub} and {event}. */
export function checkUrlTemplate(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new ConfigError(field, 'must be a non-empty string');
  for (const m of value.matchAll(/\{([^{}]*)\}/g)) {
    if (!PLACEHOLDERS.has(m[1] ?? '')) throw new ConfigError(field, `unknown placeholder {${m[1]}} (allowed: {hub}, {event})`);
  }
  const sample = value.replace(/\{(hub|event)\}/g, 'x');
  if (/[{}]/.test(sample)) throw new ConfigError(field, 'has an unbalanced { or }');
  let url: URL;
  try {
    url = new URL(sample);
  } catch {
    throw new ConfigError(field, `"${value}" is not an absolute URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(field, `"${value}" must be an http or https URL`);
  return value;
}

function parseHandler(raw: unknown, at: string): EventHandlerSetting {
  if (!isRecord(raw)) throw new ConfigError(at, 'must be an object with UrlTemplate, SystemEvents and EventPattern');
  const f = fieldsOf(raw, ['UrlTemplate', 'SystemEvents', 'EventPattern', 'UserEventPattern'], at);
  if (f.has('EventPattern') && f.has('UserEventPattern')) throw new ConfigError(`${at}.UserEventPattern`, 'is another name for EventPattern; give one');
  const urlTemplate = checkUrlTemplate(f.get('UrlTemplate'), `${at}.UrlTemplate`);
  const rawEvents = f.get('SystemEvents') ?? [];
  if (!Array.isArray(rawEvents)) throw new ConfigError(`${at}.SystemEvents`, 'must be an array of "connect", "connected", "disconnected"');
  const systemEvents = rawEvents.map((e, i) => {
    const name = typeof e === 'string' ? e.trim().toLowerCase() : '';
    if (!SYSTEM_EVENTS.includes(name as SystemEvent)) throw new ConfigError(`${at}.SystemEvents[${i}]`, `${JSON.stringify(e)} is not connect, connected or disconnected`);
    return name as SystemEvent;
  });
  const pattern = f.get('EventPattern') ?? f.get('UserEventPattern') ?? '';
  const field = f.has('UserEventPattern') ? `${at}.UserEventPattern` : `${at}.EventPattern`;
  if (typeof pattern !== 'string') throw new ConfigError(field, 'must be a string (*, a comma list or one event name)');
  if (pattern !== '' && pattern.split(',').some((n) => n.trim() === '')) throw new ConfigError(field, `"${pattern}" has an empty name in its comma list`);
  return Object.freeze({ urlTemplate, systemEvents: Object.freeze(systemEvents), eventPattern: pattern.trim() });
}

/** Parses the `Hubs` object; `path` names it in errors. */
export function parseHubs(raw: unknown, path: string): WebPubSubSettings {
  if (raw === undefined) return EMPTY_WEBPUBSUB;
  if (!isRecord(raw)) throw new ConfigError(path, 'must be an object: hub name → {"EventHandlers":[…]}');
  const hubs = new Map<string, readonly EventHandlerSetting[]>();
  for (const [hub, value] of Object.entries(raw)) {
    const at = `${path}.${hub}`;
    if (hub !== '*' && !/^[A-Za-z0-9_.-]{1,128}$/.test(hub)) throw new ConfigError(at, 'a hub name holds only letters, digits, "_", "-" and "."');
    if (hubs.has(hub.toLowerCase())) throw new ConfigError(at, 'names a hub twice (hub names are case-insensitive)');
    if (!isRecord(value)) throw new ConfigError(at, 'must be an object with "EventHandlers"');
    const f = fieldsOf(value, ['EventHandlers'], at);
    const handlers = f.get('EventHandlers') ?? [];
    if (!Array.isArray(handlers)) throw new ConfigError(`${at}.EventHandlers`, 'must be an array');
    hubs.set(hub.toLowerCase(), Object.freeze(handlers.map((h, i) => parseHandler(h, `${at}.EventHandlers[${i}]`))));
  }
  return Object.freeze({ hubs });
}

/**
 * `WEBPUBSUB_EVENT_HANDLER_URL` / `--event-handler`: replaces the UrlTemplate of
 * every handler; with none configured, every hub gets one handler taking all
 * system and user events.
 */
export function withEventHandlerUrl(settings: WebPubSubSettings, urlTemplate: string, field: string): WebPubSubSettings {
  const url = checkUrlTemplate(urlTemplate, field);
  if (settings.hubs.size === 0) {
    return Object.freeze({ hubs: new Map([['*', [Object.freeze({ urlTemplate: url, systemEvents: SYSTEM_EVENTS, eventPattern: '*' })]]]) });
  }
  const hubs = new Map<string, readonly EventHandlerSetting[]>();
  for (const [hub, handlers] of settings.hubs) hubs.set(hub, handlers.map((h) => Object.freeze({ ...h, urlTemplate: url })));
  return Object.freeze({ hubs });
}
