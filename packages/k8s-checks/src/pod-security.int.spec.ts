import { describe, expect, it } from 'vitest';
import { overlays } from './layout.js';
import { RESTRICTED_NAMESPACE_LABELS, restrictedViolations } from './pod-security.js';
import { asList, ofKind, render, type K8sObject } from './render.js';

/** Pod Security Admission `restricted` on the namespace, and every pod template admitted by it. */
describe.each(overlays)('k8s/overlays/%s', (overlay) => {
  const objects = render(`overlays/${overlay}`);

  it('labels its namespace to enforce, audit and warn on the restricted profile', () => {
    const [namespace] = ofKind(objects, 'Namespace');
    expect(namespace?.metadata.labels).toMatchObject(RESTRICTED_NAMESPACE_LABELS);
  });

  const workloads = objects.filter((o) => ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'Pod'].includes(o.kind));
  it('has pod templates to check', () => {
    expect(workloads.map((w) => w.metadata.name).sort()).toEqual(['chat-worker', 'gateway', 'notifier']);
  });

  it.each(workloads.map((w) => [w.kind, w.metadata.name, w] as const))('%s %s meets restricted, with a read-only root filesystem', (_kind, _name, workload) => {
    const spec: K8sObject = workload.kind === 'Pod' ? workload.spec : workload.spec.template.spec;
    expect(restrictedViolations(spec)).toEqual([]);
    for (const container of asList(spec.containers, 'containers')) expect(container.securityContext?.readOnlyRootFilesystem, String(container.name)).toBe(true);
  });
});
