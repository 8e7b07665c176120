import { describe, expect, it } from 'vitest';
import { containerEnv } from './container-env.js';
import { opsPortOf, overlays, services } from './layout.js';
import { asLabels, asNumber, asString, findOne, ofKind, render, type K8sObject } from './render.js';
import { defaultOpsPort, defaultPort, drainTimeoutMs, routePaths } from './service-sources.js';

/** Seconds the preStop hook sleeps, from `command: [sleep, N]`. */
function preStopSeconds(container: K8sObject): number {
  const command: unknown = container.lifecycle?.preStop?.exec?.command;
  if (!Array.isArray(command) || command[0] !== 'sleep') throw new Error(`${container.name}: preStop must be exec [sleep, N]`);
  return Number(command[1]);
}

const selects = (selector: unknown, labels: unknown) => {
  const wanted = asLabels(selector, 'selector');
  const have = asLabels(labels, 'pod labels');
  return Object.entries(wanted).every(([key, value]) => have[key] === value);
};

describe.each(overlays)('k8s/overlays/%s', (overlay) => {
  const objects = render(`overlays/${overlay}`);

  describe.each(services)('$name', (service) => {
    const deployment = findOne(objects, 'Deployment', service.name);
    const pod = deployment.spec.template;
    const container: K8sObject = pod.spec.containers[0];

    it('runs one container, non-root, read-only, without privileges, under RuntimeDefault seccomp', () => {
      expect(pod.spec.containers).toHaveLength(1);
      expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } });
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
      });
      expect(container.securityContext.capabilities.add ?? []).toEqual([]);
      expect(pod.spec.automountServiceAccountToken).toBe(false);
      // The only writable place is an emptyDir at /tmp.
      const tmp = container.volumeMounts?.find((m: K8sObject) => m.mountPath === '/tmp');
      expect(pod.spec.volumes.find((v: K8sObject) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    });

    const ops = opsPortOf(service);
    it(`listens on ${service.port} (its default), named ${service.portName}, and probes paths it serves on ${ops.portName}`, () => {
      expect(defaultPort(service.name)).toBe(service.port);
      const env = containerEnv(objects, container).vars;
      const expectedPorts: Array<{ name: string; containerPort: number; protocol: string }> = [{ name: service.portName, containerPort: service.port, protocol: 'TCP' }];
      if (ops.port !== service.port) {
        expect(defaultOpsPort(service.name)).toBe(ops.port);
        expectedPorts.push({ name: ops.portName, containerPort: ops.port, protocol: 'TCP' });
        expect(env.get('OPS_PORT')).toEqual({ kind: 'literal', value: String(ops.port) });
      }
      expect(container.ports).toEqual(expectedPorts);
      expect(env.get('PORT')).toEqual({ kind: 'literal', value: String(service.port) });
      expect(env.get('HOST')).toEqual({ kind: 'literal', value: '0.0.0.0' });
      const served = routePaths(service.name);
      for (const [kind, path] of [['startupProbe', '/healthz'], ['livenessProbe', '/healthz'], ['readinessProbe', '/readyz']] as const) {
        const probe = container[kind];
        expect(probe?.httpGet, `${kind}`).toEqual({ path, port: ops.portName });
        expect(served.has(path), `${service.name} serves ${path}`).toBe(true);
      }
      const annotations = pod.metadata.annotations ?? {};
      expect(annotations['prometheus.io/port']).toBe(String(ops.port));
      expect(served.has(asString(annotations['prometheus.io/path'], 'prometheus.io/path'))).toBe(true);
    });

    it('stops within its grace period: preStop, then the service drain, with a margin', () => {
      const drainSeconds = drainTimeoutMs(service.name) / 1000;
      const preStop = preStopSeconds(container);
      expect(preStop).toBeGreaterThanOrEqual(3);
      expect(pod.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(preStop + drainSeconds + 2);
    });

    it('sets requests and limits', () => {
      for (const part of ['requests', 'limits'] as const) {
        expect(container.resources?.[part]?.cpu, part).toBeDefined();
        expect(container.resources?.[part]?.memory, part).toBeDefined();
      }
    });

    it('spreads its pods over zones and nodes', () => {
      const keys = (pod.spec.topologySpreadConstraints ?? []).map((c: K8sObject) => {
        expect(selects(c.labelSelector.matchLabels, pod.metadata.labels)).toBe(true);
        return c.topologyKey;
      });
      expect(keys.sort()).toEqual(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
    });

    it('runs as its workload identity service account', () => {
      expect(pod.metadata.labels['azure.workload.identity/use']).toBe('true');
      const account = findOne(objects, 'ServiceAccount', asString(pod.spec.serviceAccountName, 'serviceAccountName'));
      expect(account.metadata.annotations?.['azure.workload.identity/client-id']).toMatch(/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/);
      expect(account.metadata.annotations?.['azure.workload.identity/client-id']).not.toBe('00000000-0000-0000-0000-000000000000');
    });

    it('has a PodDisruptionBudget that selects its pods and lets a drain proceed', () => {
      const budget = findOne(objects, 'PodDisruptionBudget', service.name);
      expect(selects(budget.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
      expect(budget.spec.maxUnavailable).toBeGreaterThanOrEqual(1);
      expect(selects(deployment.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    });

    it('leaves the replica count to its autoscaler', () => {
      expect(deployment.spec.replicas).toBeUndefined();
    });
  });

  it('runs each service as its own workload identity: one ServiceAccount each, no client id shared', () => {
    const accounts = services.map(({ name }) => findOne(objects, 'Deployment', name).spec.template.spec.serviceAccountName as string);
    expect(accounts).toEqual(services.map(({ name }) => name));
    const ids = ofKind(objects, 'ServiceAccount').map((a) => a.metadata.annotations?.['azure.workload.identity/client-id']);
    expect(ids).toHaveLength(services.length);
    expect(new Set(ids).size).toBe(ids.length);
    const keda = ofKind(objects, 'TriggerAuthentication').map((t) => t.spec.podIdentity.identityId);
    for (const id of keda) expect(ids, 'KEDA has its own identity').not.toContain(id);
  });

  it('routes the Ingress to the gateway Service, and the Service to the gateway pods', () => {
    const gateway = findOne(objects, 'Deployment', 'gateway').spec.template;
    const service = findOne(objects, 'Service', 'gateway');
    expect(selects(service.spec.selector, gateway.metadata.labels)).toBe(true);
    expect(service.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    const ingress = findOne(objects, 'Ingress', 'gateway');
    const paths = ingress.spec.rules.flatMap((r: K8sObject) => r.http.paths);
    // Which paths: public ones only (edge.int.spec.ts); all of them to the gateway's public port.
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) expect(path.backend, String(path.path)).toEqual({ service: { name: 'gateway', port: { name: 'http' } } });
    expect(ingress.spec.rules[0].host).not.toBe('parley.example.com');
  });

  it('scales the gateway on CPU with an HPA', () => {
    const hpa = findOne(objects, 'HorizontalPodAutoscaler', 'gateway');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'gateway' });
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]);
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(1);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(asNumber(hpa.spec.minReplicas, 'minReplicas'));
  });
});
