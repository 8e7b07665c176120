import { ConfigError } from '../errors.js';
import { fieldsOf, parseHubs, type WebPubSubSettings } from './settings.js';

/** The key Parley's own config ships with; used when an appsettings.json names none. */
export const DEV_ACCESS_KEY = 'parley-dev-primary-key-0123456789abcdef';

export interface AppSettings {
  readonly accessKey: string;
  readonly webPubSub: WebPubSubSettings;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The key of the `WebPubSub` section in a document, matched case-insensitively; undefined when there is none. */
export function webPubSubKey(raw: unknown): string | undefined {
  return isRecord(raw) ? Object.keys(raw).find((k) => k.toLowerCase() === 'webpubsub') : undefined;
}

/**
 * A Microsoft emulator `appsettings.json`. Other top-level sections
 * (`Logging`, `AllowedHosts`, `Kestrel`, …) belong to ASP.NET and are ignored,
 * so such a file works unchanged; inside `WebPubSub` unknown fields are refused.
 */
export function parseAppSettings(raw: unknown): AppSettings {
  const key = webPubSubKey(raw);
  if (!isRecord(raw) || key === undefined) throw new ConfigError('WebPubSub', 'is missing (expected {"WebPubSub":{"AccessKey":"…","Hubs":{…}}})');
  const section = raw[key];
  if (!isRecord(section)) throw new ConfigError(key, 'must be an object with "AccessKey" and "Hubs"');
  const f = fieldsOf(section, ['AccessKey', 'Hubs'], key);
  const accessKey = f.get('AccessKey') ?? DEV_ACCESS_KEY;
  if (typeof accessKey !== 'string' || accessKey.trim() === '') throw new ConfigError(`${key}.AccessKey`, 'must be a non-empty string');
  return { accessKey, webPubSub: parseHubs(f.get('Hubs'), `${key}.Hubs`) };
}

/** The `webPubSub` section inside Parley's own config: only `Hubs` (the keys are `accessKeys`). */
export function parseEmbedded(raw: unknown, path: string): WebPubSubSettings {
  if (!isRecord(raw)) throw new ConfigError(path, 'must be an object with "Hubs"');
  const f = fieldsOf(raw, ['Hubs'], path);
  return parseHubs(f.get('Hubs'), `${path}.Hubs`);
}
