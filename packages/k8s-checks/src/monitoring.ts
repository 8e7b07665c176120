import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { repoRoot } from './layout.js';
import type { K8sObject } from './render.js';

/**
 * What the monitoring files (k8s/monitoring) are checked against: the metrics the
 * code defines, read from the sources (prom-client `new Counter({ name, labelNames })`),
 * and prom-client's default process metrics, which every service's registry collects.
 */

export const monitoringDir = path.join(repoRoot, 'k8s', 'monitoring');

export interface MetricDefinition {
  readonly name: string;
  readonly labels: ReadonlySet<string>;
  readonly file: string;
}

/** Labels the scrape adds (PodMonitor targets) or PromQL makes; never in the code. */
export const SCRAPE_LABELS = new Set(['namespace', 'pod', 'container', 'endpoint', 'job', 'instance', 'le', 'quantile', 'service']);

const SOURCE_ROOTS = ['services/gateway/src', 'services/chat-worker/src', 'services/notifier/src', 'packages/service-kit/src'];

function productionSources(): Array<{ file: string; text: string }> {
  const files: Array<{ file: string; text: string }> = [];
  for (const root of SOURCE_ROOTS) {
    const dir = path.join(repoRoot, root);
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.includes('.spec.')) continue;
      const file = path.join(entry.parentPath, entry.name);
      if (file.split(path.sep).includes('testing')) continue;
      files.push({ file: path.relative(repoRoot, file), text: readFileSync(file, 'utf8') });
    }
  }
  return files;
}

/** Every `new Counter|Gauge|Histogram|Summary({ name: '…', labelNames: [...] })` in the services and service-kit. */
export function definedMetrics(): Map<string, MetricDefinition> {
  const metrics = new Map<string, MetricDefinition>();
  for (const { file, text } of productionSources()) {
    for (const match of text.matchAll(/new (Counter|Gauge|Histogram|Summary)\(\{([\s\S]*?)\}\)/g)) {
      const body = match[2] as string;
      const name = /name:\s*'([a-z_:][a-z0-9_:]*)'/.exec(body)?.[1];
      if (!name) continue;
      const labelList = /labelNames:\s*\[([^\]]*)\]/.exec(body)?.[1] ?? '';
      const labels = new Set([...labelList.matchAll(/'([^']+)'/g)].map((label) => label[1] as string));
      const type = match[1] as string;
      metrics.set(name, { name, labels, file });
      // The series a histogram or summary exposes besides its name.
      const derived = type === 'Histogram' ? ['_bucket', '_sum', '_count'] : type === 'Summary' ? ['_sum', '_count'] : [];
      for (const suffix of derived) metrics.set(`${name}${suffix}`, { name: `${name}${suffix}`, labels, file });
    }
  }
  return metrics;
}

/** prom-client's default metrics (collectDefaultMetrics, as createRegistry does), with their series names. */
export async function defaultMetrics(): Promise<Map<string, MetricDefinition>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics = new Map<string, MetricDefinition>();
  for (const metric of await registry.getMetricsAsJSON()) {
    const type = String(metric.type);
    const suffixes = type === 'histogram' ? ['', '_bucket', '_sum', '_count'] : type === 'summary' ? ['', '_sum', '_count'] : [''];
    for (const suffix of suffixes) metrics.set(`${metric.name}${suffix}`, { name: `${metric.name}${suffix}`, labels: new Set(), file: 'prom-client' });
  }
  return metrics;
}

export interface Selector {
  readonly metric: string;
  readonly labels: readonly string[];
}

/** The metric selectors of a PromQL expression (`name{label="…"}`) and the labels its `by (…)` clauses group on. */
export function promqlSelectors(expr: string): { selectors: Selector[]; grouping: string[] } {
  const withoutStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const selectors: Selector[] = [];
  for (const match of withoutStrings.matchAll(/\b((?:parley|process|nodejs)_[a-z0-9_]+)(\{([^}]*)\})?/g)) {
    const labels = [...(match[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((label) => label[1] as string);
    selectors.push({ metric: match[1] as string, labels });
  }
  const grouping = [...withoutStrings.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((group) =>
    (group[1] as string).split(',').map((label) => label.trim()).filter(Boolean),
  );
  return { selectors, grouping };
}

/** Problems of one expression: unknown metrics, labels a metric does not have, unbalanced brackets. */
export function checkExpression(expr: string, known: ReadonlyMap<string, MetricDefinition>): string[] {
  const problems: string[] = [];
  let depth = 0;
  for (const char of expr.replace(/"(?:[^"\\]|\\.)*"/g, '""')) {
    if ('({['.includes(char)) depth++;
    if (')}]'.includes(char)) depth--;
    if (depth < 0) break;
  }
  if (depth !== 0) problems.push('unbalanced brackets');
  const { selectors, grouping } = promqlSelectors(expr);
  if (selectors.length === 0) problems.push('selects no Parley or process metric');
  const labelsOfUsed = new Set<string>(SCRAPE_LABELS);
  for (const selector of selectors) {
    const metric = known.get(selector.metric);
    if (!metric) {
      problems.push(`${selector.metric} is defined nowhere in the services or service-kit`);
      continue;
    }
    for (const label of metric.labels) labelsOfUsed.add(label);
    for (const label of selector.labels) {
      if (!SCRAPE_LABELS.has(label) && !metric.labels.has(label)) problems.push(`${selector.metric} has no label "${label}" (${metric.file})`);
    }
  }
  for (const label of grouping) if (!labelsOfUsed.has(label)) problems.push(`groups by "${label}", which none of its metrics has`);
  return problems;
}

/** Structure of an Azure Managed Prometheus PodMonitor (azmonitoring.coreos.com/v1), as its CRD documents it. */
export function validatePodMonitor(object: K8sObject): string[] {
  const problems: string[] = [];
  const spec = object.spec ?? {};
  const matchLabels: unknown = spec.selector?.matchLabels;
  if (!matchLabels || typeof matchLabels !== 'object' || Object.keys(matchLabels).length === 0) problems.push('spec.selector.matchLabels must name the pods');
  const endpoints = spec.podMetricsEndpoints;
  if (!Array.isArray(endpoints) || endpoints.length === 0) problems.push('spec.podMetricsEndpoints must list at least one endpoint');
  for (const [index, endpoint] of (Array.isArray(endpoints) ? endpoints : []).entries()) {
    if (typeof endpoint.port !== 'string' || endpoint.port === '') problems.push(`spec.podMetricsEndpoints[${index}].port must be a container port name`);
    if (endpoint.path !== undefined && !String(endpoint.path).startsWith('/')) problems.push(`spec.podMetricsEndpoints[${index}].path must start with /`);
    if (endpoint.interval !== undefined && !/^\d+[smh]$/.test(String(endpoint.interval))) problems.push(`spec.podMetricsEndpoints[${index}].interval must be like 30s`);
    if (endpoint.scheme !== undefined && !['http', 'https'].includes(String(endpoint.scheme))) problems.push(`spec.podMetricsEndpoints[${index}].scheme must be http or https`);
  }
  return problems;
}
