import { describe, expect, it } from 'vitest';
import { overlays } from './layout.js';
import { findOne, render, type K8sObject } from './render.js';
import { validateObject } from './schemas.js';

const expected = [
  'ServiceAccount/gateway',
  'ServiceAccount/chat-worker',
  'ServiceAccount/notifier',
  'Deployment/gateway',
  'Deployment/chat-worker',
  'Deployment/notifier',
  'Service/gateway',
  'Ingress/gateway',
  'HorizontalPodAutoscaler/gateway',
  'ScaledObject/chat-worker',
  'ScaledObject/notifier',
  'TriggerAuthentication/parley-servicebus',
  'PodDisruptionBudget/gateway',
  'PodDisruptionBudget/chat-worker',
  'PodDisruptionBudget/notifier',
  'NetworkPolicy/parley-default-deny',
  'NetworkPolicy/parley-dns',
  'NetworkPolicy/parley-azure-egress',
  'NetworkPolicy/parley-gateway-from-ingress',
  'NetworkPolicy/parley-metrics-scrape',
];

describe('schema validation', () => {
  it('rejects an object that breaks its schema, and kinds it has no schema for', () => {
    const broken = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: { template: {} } } as K8sObject;
    expect(() => validateObject(broken)).toThrow(/Deployment x: .*selector/);
    expect(() => validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toThrow(/K8S_CHECKS_UNKNOWN_KIND/);
  });
});

describe.each(['base', ...overlays.map((o) => `overlays/${o}`)])('k8s/%s', (dir) => {
  const objects = render(dir);

  it('renders the whole deployment', () => {
    const ids = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    for (const id of expected) expect(ids).toContain(id);
    // Generated ConfigMaps carry a content hash, so a changed setting rolls the pods.
    const configMaps = objects.filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name);
    for (const name of ['parley-common', 'parley-chat', 'gateway-config', 'chat-worker-config', 'notifier-config']) {
      expect(configMaps.some((m) => new RegExp(`^${name}-[a-z0-9]{10}$`).test(m))).toBe(true);
    }
  });

  it('validates every object against the Kubernetes and KEDA schemas', () => {
    const failures: string[] = [];
    for (const object of objects) {
      try {
        validateObject(object);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    expect(failures).toEqual([]);
  });

  it('commits no Secret: secrets are only referenced', () => {
    expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it('labels everything as part of parley', () => {
    for (const object of objects.filter((o) => o.kind !== 'Namespace')) {
      expect(object.metadata.labels?.['app.kubernetes.io/part-of'], `${object.kind}/${object.metadata.name}`).toBe('parley');
    }
  });
});

describe.each(overlays)('k8s/overlays/%s', (overlay) => {
  const objects = render(`overlays/${overlay}`);

  it('puts every namespaced object in the overlay namespace, which it creates', () => {
    const namespace = objects.find((o) => o.kind === 'Namespace');
    expect(namespace).toBeDefined();
    for (const object of objects.filter((o) => o.kind !== 'Namespace')) {
      expect(object.metadata.namespace, `${object.kind}/${object.metadata.name}`).toBe(namespace?.metadata.name);
    }
  });

  it('pulls each service from a registry, at a pinned tag', () => {
    for (const name of ['gateway', 'chat-worker', 'notifier']) {
      const image: string = findOne(objects, 'Deployment', name).spec.template.spec.containers[0].image;
      expect(image).toMatch(new RegExp(`^[a-z0-9.-]+\\.[a-z]+/parley/${name}:[\\w.-]+$`));
      expect(image.endsWith(':latest')).toBe(false);
    }
  });
});
