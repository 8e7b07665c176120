import { ConfigError, type ErrorCode } from '../errors.js';

/** One upstream template of docs/protocols.md §1. A missing pattern means `*`. */
export interface UpstreamTemplate {
  readonly hubPattern: string;
  readonly categoryPattern: string;
  readonly eventPattern: string;
  readonly urlTemplate: string;
}

export interface UpstreamSettings {
  readonly templates: readonly UpstreamTemplate[];
}

export type UpstreamEvent = 'connect' | 'message' | 'disconnect';
export type UpstreamCategory = 'connections' | 'messages';

export function categoryOf(event: UpstreamEvent): UpstreamCategory {
  return event === 'message' ? 'messages' : 'connections';
}

type Matcher = (value: string) => boolean;
type UrlPart = { literal: string } | { placeholder: 'hub' | 'category' | 'event' };

interface CompiledTemplate {
  readonly hub: Matcher;
  readonly category: Matcher;
  readonly event: Matcher;
  readonly parts: readonly UrlPart[];
}

/** Settings checked once and compiled; swapped as a whole, so a reader never sees a half-applied change. */
export class CompiledSettings {
  readonly settings: UpstreamSettings;
  private readonly compiled: readonly CompiledTemplate[];

  constructor(settings: UpstreamSettings) {
    this.settings = settings;
    this.compiled = settings.templates.map((template) => ({
      hub: compilePattern(template.hubPattern),
      category: compilePattern(template.categoryPattern),
      event: compilePattern(template.eventPattern),
      parts: splitUrlTemplate(template.urlTemplate),
    }));
  }

  /** The URL of the first matching template, or undefined when none matches. */
  resolve(hub: string, event: UpstreamEvent): string | undefined {
    const category = categoryOf(event);
    for (const template of this.compiled) {
      if (template.hub(hub) && template.category(category) && template.event(event)) {
        return buildUrl(template.parts, { hub, category, event });
      }
    }
    return undefined;
  }
}

const PLACEHOLDERS = new Set(['hub', 'category', 'event']);
const TEMPLATE_FIELDS = new Set(['hubPattern', 'categoryPattern', 'eventPattern', 'urlTemplate']);

function compilePattern(pattern: string): Matcher {
  const names = pattern.split(',').map((name) => name.trim());
  if (names.includes('*')) return () => true;
  if (names.length === 1) {
    const only = names[0];
    return (value) => value === only;
  }
  const set = new Set(names);
  return (value) => set.has(value);
}

function splitUrlTemplate(urlTemplate: string): UrlPart[] {
  const parts: UrlPart[] = [];
  const re = /\{([^{}]*)\}/g;
  let last = 0;
  for (let m = re.exec(urlTemplate); m; m = re.exec(urlTemplate)) {
    if (m.index > last) parts.push({ literal: urlTemplate.slice(last, m.index) });
    parts.push({ placeholder: m[1] as 'hub' | 'category' | 'event' });
    last = m.index + m[0].length;
  }
  if (last < urlTemplate.length) parts.push({ literal: urlTemplate.slice(last) });
  return parts;
}

function buildUrl(parts: readonly UrlPart[], values: Record<'hub' | 'category' | 'event', string>): string {
  let url = '';
  for (const part of parts) url += 'literal' in part ? part.literal : encodeURIComponent(values[part.placeholder]);
  return url;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkPattern(value: unknown, field: string, code: ErrorCode): string {
  if (value === undefined) return '*';
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigError(field, 'must be a non-empty string', code);
  if (value.split(',').some((name) => name.trim() === '')) {
    throw new ConfigError(field, `"${value}" has an empty name in its comma list`, code);
  }
  return value;
}

function checkUrlTemplate(value: unknown, field: string, code: ErrorCode): string {
  if (value === undefined) throw new ConfigError(field, 'is required', code);
  if (typeof value !== 'string' || value === '') throw new ConfigError(field, 'must be a non-empty string', code);
  for (const m of value.matchAll(/\{([^{}]*)\}/g)) {
    if (!PLACEHOLDERS.has(m[1] ?? '')) {
      throw new ConfigError(field, `unknown placeholder {${m[1]}} (allowed: {hub}, {category}, {event})`, code);
    }
  }
  const sample = value.replace(/\{(hub|category|event)\}/g, 'x');
  if (/[{}]/.test(sample)) throw new ConfigError(field, 'has an unbalanced { or }', code);
  let url: URL;
  try {
    url = new URL(sample);
  } catch {
    throw new ConfigError(field, `"${value}" is not an absolute URL`, code);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(field, `"${value}" must be an http or https URL`, code);
  }
  return value;
}

/** Checks a templates array; `path` names it in errors (e.g. `upstream.templates`). Unknown fields are refused. */
export function parseTemplates(value: unknown, path: string, code: ErrorCode): UpstreamTemplate[] {
  if (!Array.isArray(value)) throw new ConfigError(path, 'must be an array of templates', code);
  return value.map((raw, index) => {
    const at = `${path}[${index}]`;
    if (!isRecord(raw)) throw new ConfigError(at, 'must be an object', code);
    for (const key of Object.keys(raw)) {
      if (!TEMPLATE_FIELDS.has(key)) throw new ConfigError(`${at}.${key}`, 'is not a known template field', code);
    }
    return Object.freeze({
      hubPattern: checkPattern(raw.hubPattern, `${at}.hubPattern`, code),
      categoryPattern: checkPattern(raw.categoryPattern, `${at}.categoryPattern`, code),
      eventPattern: checkPattern(raw.eventPattern, `${at}.eventPattern`, code),
      urlTemplate: checkUrlTemplate(raw.urlTemplate, `${at}.urlTemplate`, code),
    });
  });
}

/** Checks a whole settings document `{ "templates": [...] }` (the manage API body). */
export function parseSettings(value: unknown, path: string, code: ErrorCode): UpstreamSettings {
  const prefix = path ? `${path}.` : '';
  if (!isRecord(value)) throw new ConfigError(path || 'body', 'must be an object with "templates"', code);
  for (const key of Object.keys(value)) {
    if (key !== 'templates') throw new ConfigError(`${prefix}${key}`, 'is not a known settings field', code);
  }
  return Object.freeze({ templates: Object.freeze(parseTemplates(value.templates, `${prefix}templates`, code)) });
}
