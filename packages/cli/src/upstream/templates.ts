import { findForbiddenKey } from '@parley/contracts';

/** One upstream template (docs/protocols.md §1); further fields pass through for the service to judge. */
export interface UpstreamTemplate {
  hubPattern?: string;
  categoryPattern?: string;
  eventPattern?: string;
  urlTemplate: string;
  [field: string]: unknown;
}

export interface UpstreamSettings {
  templates: UpstreamTemplate[];
}

export type Parsed = { ok: true; settings: UpstreamSettings } | { ok: false; reason: string };

/**
 * The shape only: an object with a `templates` array of objects that each
 * have a `urlTemplate`. The service validates the rest and names the field.
 */
export function parseSettings(value: unknown, source: string): Parsed {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, reason: `${source}: must be a JSON object {"templates":[…]}` };
  const forbidden = findForbiddenKey(value);
  if (forbidden) return { ok: false, reason: `${source}: holds the forbidden key "${forbidden}"` };
  const { templates } = value as { templates?: unknown };
  if (!Array.isArray(templates)) return { ok: false, reason: `${source}: "templates" must be an array` };
  for (const [index, template] of templates.entries()) {
    if (template === null || typeof template !== 'object' || Array.isArray(template)) return { ok: false, reason: `${source}: templates[${index}] must be an object` };
    if (typeof (template as { urlTemplate?: unknown }).urlTemplate !== 'string') {
      return { ok: false, reason: `${source}: templates[${index}].urlTemplate must be a string` };
    }
  }
  return { ok: true, settings: value as UpstreamSettings };
}

export interface NewTemplate {
  hub: string;
  event: string;
  category?: string | undefined;
  url: string;
}

/** The template `parley upstream add` builds; undefined reason when valid. */
export function buildTemplate(input: NewTemplate): { ok: true; template: UpstreamTemplate } | { ok: false; reason: string } {
  let url: URL;
  try {
    // Placeholders are not valid in a host name; check the URL with them filled in.
    url = new URL(input.url.replace(/\{(hub|category|event)\}/g, 'x'));
  } catch {
    return { ok: false, reason: `--url "${input.url}" is not a URL` };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, reason: `--url must be http or https, got ${url.protocol}` };
  for (const [flag, value] of [['--hub', input.hub], ['--event', input.event], ['--category', input.category ?? '*']] as const) {
    if (!value.trim()) return { ok: false, reason: `${flag} must not be empty (use * for any)` };
  }
  return {
    ok: true,
    template: { hubPattern: input.hub.trim(), eventPattern: input.event.trim(), categoryPattern: (input.category ?? '*').trim(), urlTemplate: input.url },
  };
}

/** First match wins, so the new template goes in front. */
export function prependTemplate(settings: UpstreamSettings, template: UpstreamTemplate): UpstreamSettings {
  return { ...settings, templates: [template, ...settings.templates] };
}
