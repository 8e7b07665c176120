import { WEBPUBSUB_SYSTEM_EVENTS } from '@parley/contracts';

/** One Web PubSub event handler, in the shape of Microsoft's emulator's appsettings.json. */
export interface EventHandler {
  readonly UrlTemplate: string;
  readonly SystemEvents?: readonly string[];
  readonly EventPattern?: string;
}
/** The `WebPubSub.Hubs` section: hub → its handlers in order (the first matching one wins). */
export interface HubsSettings {
  readonly Hubs: Readonly<Record<string, { readonly EventHandlers: readonly EventHandler[] }>>;
}

type Parsed = { ok: true; settings: HubsSettings } | { ok: false; reason: string };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A settings file: `{"Hubs":{…}}`, or a whole appsettings.json (`{"WebPubSub":{"Hubs":{…}}}`).
 * Only the shape is checked here; the service checks every field and names it.
 */
export function parseHubsSettings(raw: unknown, source: string): Parsed {
  const section = isRecord(raw) && isRecord(raw.WebPubSub) ? raw.WebPubSub : raw;
  if (!isRecord(section) || !isRecord(section.Hubs)) return { ok: false, reason: `${source}: must be {"Hubs":{"<hub>":{"EventHandlers":[…]}}} (or an appsettings.json with it under "WebPubSub")` };
  for (const [hub, value] of Object.entries(section.Hubs)) {
    if (!isRecord(value) || !Array.isArray(value.EventHandlers)) return { ok: false, reason: `${source}: Hubs.${hub} must be {"EventHandlers":[…]}` };
  }
  return { ok: true, settings: { Hubs: section.Hubs as HubsSettings['Hubs'] } };
}

/** `add`: the new handler goes in front of the hub's others (first match wins). */
export function prependHandler(settings: HubsSettings, hub: string, handler: EventHandler): HubsSettings {
  const key = Object.keys(settings.Hubs).find((name) => name.toLowerCase() === hub.toLowerCase()) ?? hub;
  const existing = settings.Hubs[key]?.EventHandlers ?? [];
  return { Hubs: { ...settings.Hubs, [key]: { EventHandlers: [handler, ...existing] } } };
}

export function buildHandler(input: { url: string; event?: string | undefined; systemEvents?: string | undefined }): { ok: true; handler: EventHandler } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(input.url.replace(/\{(hub|event)\}/g, 'x'));
  } catch {
    return { ok: false, reason: `--url "${input.url}" is not an absolute URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: '--url must be http or https' };
  const systemEvents = (input.systemEvents ?? WEBPUBSUB_SYSTEM_EVENTS.join(',')).split(',').map((e) => e.trim()).filter(Boolean);
  const unknown = systemEvents.find((e) => !(WEBPUBSUB_SYSTEM_EVENTS as readonly string[]).includes(e));
  if (unknown) return { ok: false, reason: `--system-events: "${unknown}" is not one of ${WEBPUBSUB_SYSTEM_EVENTS.join(', ')}` };
  return { ok: true, handler: { UrlTemplate: input.url, SystemEvents: systemEvents, EventPattern: input.event ?? '*' } };
}

const quote = (value: string) => `"${value.replace(/(["\\$`])/g, '\\$1')}"`;

/**
 * What to run against Azure Web PubSub instead (this CLI changes nothing
 * there): `az webpubsub hub update` with each handler of a hub, in order.
 */
export function azHubCommands(settings: HubsSettings, resource: string): string[] {
  return Object.entries(settings.Hubs).map(([hub, { EventHandlers }]) => {
    const handlers = EventHandlers.map((h) => {
      const parts = [`url-template=${quote(h.UrlTemplate)}`, `user-event-pattern=${quote(h.EventPattern ?? '*')}`, ...(h.SystemEvents ?? []).map((e) => `system-event=${quote(e)}`)];
      return ` \\\n  --event-handler ${parts.join(' ')}`;
    });
    return `az webpubsub hub update --resource-group "$RG" --name ${quote(resource)} --hub-name ${quote(hub)}${handlers.join('')}`;
  });
}

/** Reading the hub on Azure. */
export function azHubShowCommand(resource: string, hub: string): string {
  return `az webpubsub hub show --resource-group "$RG" --name ${quote(resource)} --hub-name ${quote(hub)}`;
}
