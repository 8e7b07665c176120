import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { overlays, services } from './layout.js';
import { checkExpression, defaultMetrics, definedMetrics, monitoringDir, validatePodMonitor, type MetricDefinition } from './monitoring.js';
import { ofKind, render, type Fields, type K8sObject } from './render.js';

interface Rule {
  alert?: unknown;
  expr?: unknown;
  for?: unknown;
  labels?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

const rulesFile = parse(readFileSync(path.join(monitoringDir, 'alert-rules.yaml'), 'utf8')) as { groups?: Array<{ name?: unknown; rules?: Rule[] }> };
const dashboard = JSON.parse(readFileSync(path.join(monitoringDir, 'grafana-dashboard.json'), 'utf8')) as Fields;
const rules = (rulesFile.groups ?? []).flatMap((group) => group.rules ?? []);
const panelTargets = (panels: Fields[]): Array<{ panel: string; expr: string }> =>
  panels.flatMap((panel) => [
    ...((panel.targets ?? []) as Fields[]).map((target) => ({ panel: String(panel.title), expr: String(target.expr) })),
    ...panelTargets((panel.panels ?? []) as Fields[]),
  ]);

describe('the metric inventory the monitoring files are checked against', () => {
  it('reads metric names and labels from the sources, and catches unknown ones', () => {
    const known = definedMetrics();
    expect(known.get('parley_gateway_requests_total')?.labels).toEqual(new Set(['event', 'status']));
    expect(known.has('parley_gateway_request_seconds_bucket')).toBe(true);
    // The checks can fail: a misspelt metric, a label the metric does not have, a stray bracket.
    expect(checkExpression('rate(parley_gateway_request_total[5m]) > 0', known)).toEqual([
      'parley_gateway_request_total is defined nowhere in the services or service-kit',
    ]);
    expect(checkExpression('sum by (code) (rate(parley_gateway_requests_total{code="x"}[5m]))', known)).toEqual([
      'parley_gateway_requests_total has no label "code" (services/gateway/src/metrics.ts)',
      'groups by "code", which none of its metrics has',
    ]);
    expect(checkExpression('sum(rate(parley_gateway_requests_total[5m])', known)).toEqual(['unbalanced brackets']);
  });
});

describe('k8s/monitoring/alert-rules.yaml', () => {
  let known: Map<string, MetricDefinition>;
  beforeAll(async () => {
    known = new Map([...(await defaultMetrics()), ...definedMetrics()]);
  });

  it('is a Prometheus rule file whose alerts each have an expression, a duration, a severity and a summary', () => {
    expect(rulesFile.groups?.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const rule of rules) {
      const name = String(rule.alert);
      if (typeof rule.alert !== 'string' || !/^[A-Z][A-Za-z0-9]+$/.test(rule.alert)) problems.push(`alert name ${name}`);
      if (typeof rule.expr !== 'string' || rule.expr.trim() === '') problems.push(`${name}: expr`);
      if (typeof rule.for !== 'string' || !/^\d+[smh]$/.test(rule.for)) problems.push(`${name}: for must be like 5m`);
      if (!['critical', 'warning', 'info'].includes(String(rule.labels?.severity))) problems.push(`${name}: labels.severity`);
      if (typeof rule.annotations?.summary !== 'string') problems.push(`${name}: annotations.summary`);
    }
    expect(problems).toEqual([]);
    expect(new Set(rules.map((rule) => rule.alert)).size).toBe(rules.length);
  });

  it('alerts on dead letters, a stopped consumer, 5xx, REST retries and p99 upstream latency', () => {
    const byName = new Map(rules.map((rule) => [String(rule.alert), String(rule.expr)]));
    expect(byName.get('ParleyDeadLetters')).toMatch(/parley_dead_letter_messages\b.*> 0/);
    expect(byName.get('ParleyConsumerStopped')).toMatch(/parley_consumer_alive\b.*== 0/);
    expect(byName.get('ParleyGateway5xxRate')).toMatch(/parley_gateway_requests_total\{status=~"5\.\."\}/);
    expect(byName.get('ParleyNotifierRetryRate')).toMatch(/parley_notifier_rest_retries_total[\s\S]*parley_notifier_rest_calls_total/);
    expect(byName.get('ParleyUpstreamLatencyP99')).toMatch(/histogram_quantile\(0\.99,.*parley_gateway_request_seconds_bucket/);
  });

  it('uses only metrics and labels the services define', () => {
    const problems = rules.flatMap((rule) => checkExpression(String(rule.expr), known).map((problem) => `${String(rule.alert)}: ${problem}`));
    expect(problems).toEqual([]);
  });
});

describe('k8s/monitoring/azure-rule-group.mjs', () => {
  it('gives the rule list of an Azure Managed Prometheus rule group: every alert, ISO 8601 durations, Azure severities', async () => {
    const { toAzureRules } = (await import(path.join(monitoringDir, 'azure-rule-group.mjs'))) as {
      toAzureRules: (text: string, actionGroupId?: string) => Array<Record<string, unknown>>;
    };
    const azure = toAzureRules(readFileSync(path.join(monitoringDir, 'alert-rules.yaml'), 'utf8'), '/subscriptions/s/resourceGroups/r/providers/microsoft.insights/actionGroups/oncall');
    expect(azure.map((rule) => rule.alert)).toEqual(rules.map((rule) => rule.alert));
    for (const rule of azure) {
      expect(rule.for).toMatch(/^PT\d+[SMH]$/);
      expect([0, 2, 3]).toContain(rule.severity);
      expect(rule.actions).toEqual([{ actionGroupId: '/subscriptions/s/resourceGroups/r/providers/microsoft.insights/actionGroups/oncall' }]);
    }
    expect(azure.find((rule) => rule.alert === 'ParleyConsumerStopped')).toMatchObject({ for: 'PT2M', severity: 0 });
  });
});

describe('k8s/monitoring/grafana-dashboard.json', () => {
  it('is a dashboard whose every query uses metrics and labels that exist', async () => {
    const known = new Map([...(await defaultMetrics()), ...definedMetrics()]);
    expect(dashboard).toMatchObject({ uid: 'parley-overview', title: expect.any(String), panels: expect.any(Array) });
    const targets = panelTargets(dashboard.panels as Fields[]);
    expect(targets.length).toBeGreaterThan(10);
    const problems = targets.flatMap(({ panel, expr }) => checkExpression(expr, known).map((problem) => `${panel}: ${problem}`));
    expect(problems).toEqual([]);
    // Every alert's metric has a panel, so an alert can be looked at.
    const charted = targets.map((target) => target.expr).join('\n');
    for (const metric of ['parley_dead_letter_messages', 'parley_consumer_alive', 'parley_gateway_requests_total', 'parley_notifier_rest_retries_total', 'parley_gateway_request_seconds_bucket']) {
      expect(charted, metric).toContain(metric);
    }
  });
});

describe.each(overlays)('PodMonitors in k8s/overlays/%s', (overlay) => {
  const objects = render(`overlays/${overlay}`);
  const monitors = ofKind(objects, 'PodMonitor');
  const deployments = ofKind(objects, 'Deployment');
  const selects = (monitor: K8sObject, deployment: K8sObject) =>
    Object.entries(monitor.spec.selector.matchLabels as Record<string, string>).every(([key, value]) => deployment.spec.template.metadata.labels?.[key] === value);

  it('one per service, each selecting exactly that service’s pods, in the overlay’s namespace', () => {
    expect(monitors.map((monitor) => validatePodMonitor(monitor))).toEqual(monitors.map(() => []));
    expect(monitors.map((monitor) => monitor.apiVersion)).toEqual(monitors.map(() => 'azmonitoring.coreos.com/v1'));
    for (const service of services) {
      const selecting = monitors.filter((monitor) => deployments.some((deployment) => deployment.metadata.name === service.name && selects(monitor, deployment)));
      expect(selecting, service.name).toHaveLength(1);
      const monitor = selecting[0]!;
      expect(deployments.filter((deployment) => selects(monitor, deployment)).map((d) => d.metadata.name)).toEqual([service.name]);
      expect(monitor.metadata.namespace).toBe(deployments.find((deployment) => deployment.metadata.name === service.name)!.metadata.namespace);
    }
  });

  it('scrape /metrics on the named port of the ops server (the one the liveness probe hits)', () => {
    for (const monitor of monitors) {
      const deployment = deployments.find((candidate) => selects(monitor, candidate))!;
      const container = (deployment.spec.template.spec.containers as Fields[])[0]!;
      const portNames = ((container.ports ?? []) as Fields[]).map((port) => port.name);
      for (const endpoint of monitor.spec.podMetricsEndpoints as Fields[]) {
        expect(endpoint.path ?? '/metrics').toBe('/metrics');
        expect(portNames, `${monitor.metadata.name} → ${deployment.metadata.name}`).toContain(endpoint.port);
        // /healthz and /metrics live on the same ops server (service-kit), so the probe's port is the scrape port.
        expect(container.livenessProbe.httpGet.port, `${deployment.metadata.name} liveness port`).toBe(endpoint.port);
      }
    }
  });
});
