import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError, ErrorCodes } from './errors.js';
import { parseTemplates, type UpstreamSettings } from './upstream/templates.js';
import { parseAppSettings, parseEmbedded, webPubSubKey } from './webpubsub/app-settings.js';
import { EMPTY_WEBPUBSUB, withEventHandlerUrl, type WebPubSubSettings } from './webpubsub/settings.js';

/**
 * The emulator's configuration file (JSON), validated once at start. Every
 * error names the offending field. Shape:
 *
 * { "accessKeys": { "primary": "…", "secondary": "…" },
 *   "upstream": { "templates": [ { "hubPattern": "*", …, "urlTemplate": "http://…" } ] },
 *   "limits": { "maxFrameBytes": 1048576, … },
 *   "webPubSub": { "Hubs": { … } } }
 *
 * A Microsoft Web PubSub emulator `appsettings.json` (a `WebPubSub` section
 * and no `accessKeys`) is read as well: see webpubsub/app-settings.ts.
 */
export interface Limits {
  /** Largest client frame (and REST body); a larger client frame closes with 1009. */
  readonly maxFrameBytes: number;
  /** Bytes queued towards one client before it is closed as too slow. */
  readonly sendBufferBytes: number;
  readonly upstreamConnectTimeoutMs: number;
  /** Timeout of message and disconnect calls. */
  readonly upstreamMessageTimeoutMs: number;
  /** Frames of one connection waiting for the upstream before its socket stops being read. */
  readonly maxPendingFrames: number;
  /** Ping period that finds dead peers; 0 turns pinging off. */
  readonly keepAliveIntervalMs: number;
}

export interface EmulatorConfig {
  readonly accessKeys: { readonly primary: string; readonly secondary?: string };
  readonly upstream: UpstreamSettings;
  readonly limits: Limits;
  /** Event handlers of the Web PubSub face. */
  readonly webPubSub: WebPubSubSettings;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  maxFrameBytes: 1024 * 1024,
  sendBufferBytes: 4 * 1024 * 1024,
  upstreamConnectTimeoutMs: 10_000,
  upstreamMessageTimeoutMs: 10_000,
  maxPendingFrames: 64,
  keepAliveIntervalMs: 30_000,
});

/** Parley's default config, shipped in the repository: the gateway on 7071. */
export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('../config/parley.json', import.meta.url));

const TOP_FIELDS = new Set(['accessKeys', 'upstream', 'limits', 'webPubSub']);
const KEY_FIELDS = new Set(['primary', 'secondary']);
const UPSTREAM_FIELDS = new Set(['templates']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function onlyKnown(value: Record<string, unknown>, known: Set<string>, path: string): void {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) throw new ConfigError(path ? `${path}.${key}` : key, 'is not a known field');
  }
}

function accessKey(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length < 16) {
    throw new ConfigError(field, 'must be a string of at least 16 characters');
  }
  return value;
}

function parseLimits(value: unknown): Limits {
  if (value === undefined) return DEFAULT_LIMITS;
  if (!isRecord(value)) throw new ConfigError('limits', 'must be an object');
  onlyKnown(value, new Set(Object.keys(DEFAULT_LIMITS)), 'limits');
  const limits: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [key, raw] of Object.entries(value)) {
    const min = key === 'keepAliveIntervalMs' ? 0 : 1;
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min) {
      throw new ConfigError(`limits.${key}`, `must be an integer >= ${min}`);
    }
    limits[key] = raw;
  }
  return Object.freeze(limits as unknown as Limits);
}

export interface ConfigOverrides {
  /** Replaces the urlTemplate of every template (SIGNALR_UPSTREAM_URL). */
  readonly upstreamUrl?: string;
  /** Replaces the UrlTemplate of every Web PubSub event handler, or adds one for every hub (WEBPUBSUB_EVENT_HANDLER_URL). */
  readonly eventHandlerUrl?: string;
  /** Names the source of eventHandlerUrl in errors; the variable unless a flag gave it. */
  readonly eventHandlerField?: string;
}

function webPubSubOf(settings: WebPubSubSettings, overrides: ConfigOverrides): WebPubSubSettings {
  if (overrides.eventHandlerUrl === undefined) return settings;
  return withEventHandlerUrl(settings, overrides.eventHandlerUrl, overrides.eventHandlerField ?? 'WEBPUBSUB_EVENT_HANDLER_URL');
}

/** A Microsoft appsettings.json as an emulator config: its one key, no seed upstream, default limits. */
function fromAppSettings(raw: unknown, overrides: ConfigOverrides): EmulatorConfig {
  const app = parseAppSettings(raw);
  let templates: UpstreamSettings['templates'] = [];
  if (overrides.upstreamUrl !== undefined) {
    templates = parseTemplates([{ urlTemplate: overrides.upstreamUrl }], 'SIGNALR_UPSTREAM_URL', ErrorCodes.configInvalid);
  }
  return Object.freeze({
    accessKeys: Object.freeze({ primary: app.accessKey }),
    upstream: Object.freeze({ templates: Object.freeze(templates) }),
    limits: DEFAULT_LIMITS,
    webPubSub: webPubSubOf(app.webPubSub, overrides),
  });
}

/** Validates a parsed config document. `overrides` come from the environment and are checked too. */
export function parseConfig(raw: unknown, overrides: ConfigOverrides = {}): EmulatorConfig {
  if (!isRecord(raw)) throw new ConfigError('(root)', 'must be a JSON object');
  if (raw.accessKeys === undefined && webPubSubKey(raw) !== undefined) return fromAppSettings(raw, overrides);
  onlyKnown(raw, TOP_FIELDS, '');
  if (!isRecord(raw.accessKeys)) throw new ConfigError('accessKeys', 'must be an object with "primary" (and optionally "secondary")');
  onlyKnown(raw.accessKeys, KEY_FIELDS, 'accessKeys');
  const primary = accessKey(raw.accessKeys.primary, 'accessKeys.primary');
  const secondary = raw.accessKeys.secondary === undefined ? undefined : accessKey(raw.accessKeys.secondary, 'accessKeys.secondary');
  if (!isRecord(raw.upstream)) throw new ConfigError('upstream', 'must be an object with "templates"');
  onlyKnown(raw.upstream, UPSTREAM_FIELDS, 'upstream');
  let templates = parseTemplates(raw.upstream.templates, 'upstream.templates', ErrorCodes.configInvalid);
  if (overrides.upstreamUrl !== undefined) {
    // Checked as a template of its own so that the error names the variable.
    const [checked] = parseTemplates([{ urlTemplate: overrides.upstreamUrl }], 'SIGNALR_UPSTREAM_URL', ErrorCodes.configInvalid);
    const urlTemplate = checked?.urlTemplate ?? overrides.upstreamUrl;
    templates =
      templates.length === 0
        ? [{ hubPattern: '*', categoryPattern: '*', eventPattern: '*', urlTemplate }]
        : templates.map((template) => Object.freeze({ ...template, urlTemplate }));
  }
  return Object.freeze({
    accessKeys: Object.freeze(secondary === undefined ? { primary } : { primary, secondary }),
    upstream: Object.freeze({ templates: Object.freeze(templates) }),
    limits: parseLimits(raw.limits),
    webPubSub: webPubSubOf(raw.webPubSub === undefined ? EMPTY_WEBPUBSUB : parseEmbedded(raw.webPubSub, 'webPubSub'), overrides),
  });
}

/** Reads and validates a config file; a missing file or bad JSON is a ConfigError naming the file. */
export function loadConfigFile(path: string, overrides: ConfigOverrides = {}): EmulatorConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, `cannot read the config file (${(error as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(path, `is not valid JSON (${(error as Error).message})`);
  }
  return parseConfig(raw, overrides);
}

/** Environment overrides; an empty variable counts as unset. */
export function overridesFromEnv(env: NodeJS.ProcessEnv): ConfigOverrides {
  const upstreamUrl = env.SIGNALR_UPSTREAM_URL;
  const eventHandlerUrl = env.WEBPUBSUB_EVENT_HANDLER_URL;
  return { ...(upstreamUrl ? { upstreamUrl } : {}), ...(eventHandlerUrl ? { eventHandlerUrl } : {}) };
}
