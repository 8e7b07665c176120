import { SYSTEM_EVENTS, type EventHandlerSetting, type SystemEvent, type WebPubSubSettings } from './settings.js';

/** A system event by name, or a user event (`message` for simple clients). */
export type EventRef = { readonly system: SystemEvent } | { readonly user: string };

export function isSystemEvent(name: string): name is SystemEvent {
  return (SYSTEM_EVENTS as readonly string[]).includes(name);
}

function patternMatches(pattern: string, event: string): boolean {
  if (pattern === '') return false;
  const wanted = event.toLowerCase();
  return pattern.split(',').some((name) => {
    const n = name.trim().toLowerCase();
    return n === '*' || n === wanted;
  });
}

function handlersOf(settings: WebPubSubSettings, hub: string): readonly EventHandlerSetting[] | undefined {
  return settings.hubs.get(hub.toLowerCase()) ?? settings.hubs.get('*');
}

/** The URL of the first handler of `hub` that takes `event`, or undefined when none does. */
export function resolveHandler(settings: WebPubSubSettings, hub: string, event: EventRef): string | undefined {
  for (const handler of handlersOf(settings, hub) ?? []) {
    const takes = 'system' in event ? handler.systemEvents.includes(event.system) : patternMatches(handler.eventPattern, event.user);
    if (takes) return handler.urlTemplate.replace(/\{(hub|event)\}/g, (_m, name: string) => encodeURIComponent(name === 'hub' ? hub : 'system' in event ? event.system : event.user));
  }
  return undefined;
}
