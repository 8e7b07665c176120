#!/usr/bin/env node
// Prints the alerts of alert-rules.yaml as the rule list of an Azure Managed Prometheus
// rule group (Microsoft.AlertsManagement/prometheusRuleGroups), for
// `az alerts-management prometheus-rule-group create … --rules @parley-rules.json`.
// Usage: node k8s/monitoring/azure-rule-group.mjs [ACTION_GROUP_ID] > parley-rules.json
import { readFileSync } from 'node:fs';
import YAML from 'yaml';

/** Azure alert severities: 0 critical … 4 verbose. */
const SEVERITY = { critical: 0, warning: 2, info: 3 };

/** Prometheus durations (5m, 30s, 1h) as ISO 8601 (PT5M). */
export function isoDuration(text) {
  const match = /^(\d+)([smh])$/.exec(String(text));
  if (!match) throw new Error(`"${text}" is not a Prometheus duration like 5m`);
  return `PT${match[1]}${match[2].toUpperCase()}`;
}

export function toAzureRules(ruleFileText, actionGroupId) {
  const file = YAML.parse(ruleFileText);
  return file.groups.flatMap((group) =>
    group.rules.map((rule) => ({
      alert: rule.alert,
      expression: rule.expr.trim(),
      for: isoDuration(rule.for),
      severity: SEVERITY[rule.labels.severity] ?? 3,
      labels: rule.labels,
      annotations: rule.annotations,
      enabled: true,
      resolveConfiguration: { autoResolved: true, timeToResolve: 'PT10M' },
      ...(actionGroupId ? { actions: [{ actionGroupId }] } : {}),
    })),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const text = readFileSync(new URL('./alert-rules.yaml', import.meta.url), 'utf8');
  process.stdout.write(`${JSON.stringify(toAzureRules(text, process.argv[2]), null, 2)}\n`);
}
