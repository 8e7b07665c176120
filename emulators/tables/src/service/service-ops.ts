/**
 * Get / Set Table Service Properties (`?restype=service&comp=properties`) and
 * Get Table Service Stats (`?restype=service&comp=stats`, secondary endpoint
 * only). The properties are stored (store/settings.ts); the CORS rules among
 * them are applied by http/cors.ts.
 */
import { checkGrant } from '../auth/authorize.js';
import { Errors } from '../errors.js';
import { child, children, invalidXml, parseXml, tag, xmlProlog, type XmlElement } from '../model/xml.js';
import type { CorsRule, LoggingSettings, MetricsSettings, RetentionPolicy, ServiceProperties } from '../store/settings.js';
import type { Context } from './context.js';
import { baseHeaders, type ServiceRequest, type ServiceResponse } from './request.js';

const maxCorsRules = 5;
const corsMethods = new Set(['DELETE', 'GET', 'HEAD', 'MERGE', 'POST', 'OPTIONS', 'PUT', 'PATCH']);
const maxListEntries = 64;
const maxEntryChars = 256;

function bool(el: XmlElement | undefined, node: string, fallback: boolean): boolean {
  if (!el) return fallback;
  const v = el.text.trim();
  if (v !== 'true' && v !== 'false') throw Errors.invalidXmlValue(node);
  return v === 'true';
}

function retention(el: XmlElement | undefined, node: string, current: RetentionPolicy): RetentionPolicy {
  if (!el) return current;
  const enabled = bool(child(el, 'Enabled'), `${node}.Enabled`, false);
  if (!enabled) return { enabled };
  const daysText = child(el, 'Days')?.text.trim() ?? '';
  const days = Number(daysText);
  if (!/^\d+$/.test(daysText) || days < 1 || days > 365) throw Errors.invalidXmlValue(`${node}.Days`);
  return { enabled, days };
}

function version(el: XmlElement, node: string, current: string): string {
  const v = child(el, 'Version')?.text.trim();
  if (v === undefined) return current;
  if (v !== '1.0') throw Errors.invalidXmlValue(`${node}.Version`);
  return v;
}

function logging(el: XmlElement | undefined, current: LoggingSettings): LoggingSettings {
  if (!el) return current;
  return {
    version: version(el, 'Logging', current.version),
    delete: bool(child(el, 'Delete'), 'Logging.Delete', current.delete),
    read: bool(child(el, 'Read'), 'Logging.Read', current.read),
    write: bool(child(el, 'Write'), 'Logging.Write', current.write),
    retentionPolicy: retention(child(el, 'RetentionPolicy'), 'Logging.RetentionPolicy', current.retentionPolicy),
  };
}

function metrics(el: XmlElement | undefined, node: string, current: MetricsSettings): MetricsSettings {
  if (!el) return current;
  const enabled = bool(child(el, 'Enabled'), `${node}.Enabled`, current.enabled);
  const includeEl = child(el, 'IncludeAPIs');
  const base = { version: version(el, node, current.version), enabled, retentionPolicy: retention(child(el, 'RetentionPolicy'), `${node}.RetentionPolicy`, current.retentionPolicy) };
  return enabled ? { ...base, includeApis: bool(includeEl, `${node}.IncludeAPIs`, current.includeApis ?? false) } : base;
}

function list(text: string, node: string): string {
  const entries = text.split(',').map((e) => e.trim());
  if (text.trim() === '') return '';
  if (entries.length > maxListEntries || entries.some((e) => e === '' || e.length > maxEntryChars)) throw Errors.invalidXmlValue(node);
  return entries.join(',');
}

function corsRule(el: XmlElement): CorsRule {
  const text = (name: string) => child(el, name)?.text ?? '';
  const allowedOrigins = list(text('AllowedOrigins'), 'CorsRule.AllowedOrigins');
  const allowedMethods = list(text('AllowedMethods'), 'CorsRule.AllowedMethods');
  if (allowedOrigins === '') throw Errors.invalidXmlValue('CorsRule.AllowedOrigins');
  if (allowedMethods === '' || allowedMethods.split(',').some((m) => !corsMethods.has(m.toUpperCase()))) throw Errors.invalidXmlValue('CorsRule.AllowedMethods');
  const maxAgeText = text('MaxAgeInSeconds').trim();
  if (!/^\d{1,9}$/.test(maxAgeText)) throw Errors.invalidXmlValue('CorsRule.MaxAgeInSeconds');
  return {
    allowedOrigins,
    allowedMethods,
    allowedHeaders: list(text('AllowedHeaders'), 'CorsRule.AllowedHeaders'),
    exposedHeaders: list(text('ExposedHeaders'), 'CorsRule.ExposedHeaders'),
    maxAgeInSeconds: Number(maxAgeText),
  };
}

/** Parses a Set request: an element left out keeps its current setting; an empty `<Cors/>` removes every rule. */
export function parseServiceProperties(body: string, current: ServiceProperties): ServiceProperties {
  const root = parseXml(body);
  if (root.name !== 'StorageServiceProperties') throw invalidXml('The root element must be StorageServiceProperties.');
  const corsEl = child(root, 'Cors');
  const rules = corsEl ? children(corsEl, 'CorsRule') : undefined;
  if (rules && rules.length > maxCorsRules) throw Errors.invalidXmlValue('Cors');
  return {
    logging: logging(child(root, 'Logging'), current.logging),
    hourMetrics: metrics(child(root, 'HourMetrics'), 'HourMetrics', current.hourMetrics),
    minuteMetrics: metrics(child(root, 'MinuteMetrics'), 'MinuteMetrics', current.minuteMetrics),
    cors: rules ? rules.map(corsRule) : current.cors,
  };
}

function retentionXml(r: RetentionPolicy): string {
  return tag('RetentionPolicy', tag('Enabled', r.enabled) + (r.enabled && r.days !== undefined ? tag('Days', r.days) : ''), true);
}

function metricsXml(name: string, m: MetricsSettings): string {
  const include = m.enabled ? tag('IncludeAPIs', m.includeApis ?? false) : '';
  return tag(name, tag('Version', m.version) + tag('Enabled', m.enabled) + include + retentionXml(m.retentionPolicy), true);
}

export function servicePropertiesXml(p: ServiceProperties): string {
  const l = p.logging;
  const loggingXml = tag('Logging', tag('Version', l.version) + tag('Delete', l.delete) + tag('Read', l.read) + tag('Write', l.write) + retentionXml(l.retentionPolicy), true);
  const rules = p.cors.map((r) =>
    tag(
      'CorsRule',
      tag('AllowedOrigins', r.allowedOrigins) +
        tag('AllowedMethods', r.allowedMethods) +
        tag('MaxAgeInSeconds', r.maxAgeInSeconds) +
        tag('ExposedHeaders', r.exposedHeaders) +
        tag('AllowedHeaders', r.allowedHeaders),
      true,
    ),
  );
  const body = loggingXml + metricsXml('HourMetrics', p.hourMetrics) + metricsXml('MinuteMetrics', p.minuteMetrics) + tag('Cors', rules.join(''), true);
  return `${xmlProlog}${tag('StorageServiceProperties', body, true)}`;
}

function xmlResponse(req: ServiceRequest, body: string): ServiceResponse {
  return { status: 200, headers: { ...baseHeaders(req), 'Content-Type': 'application/xml' }, body };
}

/** `/{account}/?restype=service&comp=…` */
export function dispatchService(ctx: Context, req: ServiceRequest, secondary: boolean): ServiceResponse {
  const restype = req.query.get('restype');
  const comp = req.query.get('comp');
  if (restype !== 'service') throw Errors.invalidQueryParameter('restype');
  if (comp === 'properties') {
    if (req.method === 'GET') {
      checkGrant(ctx.grant, { resource: 's', needs: ['r'] });
      return xmlResponse(req, servicePropertiesXml(ctx.store.settings.serviceProperties()));
    }
    if (req.method === 'PUT') {
      checkGrant(ctx.grant, { resource: 's', needs: ['w'] });
      const next = parseServiceProperties(req.body, ctx.store.settings.serviceProperties());
      ctx.store.settings.setServiceProperties(next);
      return { status: 202, headers: baseHeaders(req) };
    }
    throw Errors.methodNotAllowed();
  }
  if (comp === 'stats') {
    if (req.method !== 'GET') throw Errors.methodNotAllowed();
    // The service answers statistics only on the account's secondary endpoint.
    if (!secondary) throw Errors.invalidQueryParameter('comp');
    checkGrant(ctx.grant, { resource: 's', needs: ['r'] });
    // One copy of the data: the "secondary" is always in sync with the primary.
    const now = new Date().toUTCString();
    return xmlResponse(req, `${xmlProlog}<StorageServiceStats><GeoReplication>${tag('Status', 'live')}${tag('LastSyncTime', now)}</GeoReplication></StorageServiceStats>`);
  }
  throw Errors.invalidQueryParameter('comp');
}
