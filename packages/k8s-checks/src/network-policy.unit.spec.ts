import { describe, expect, it } from 'vitest';
import { allowed, inCidr, selectorMatches, type Pod } from './network-policy.js';
import type { K8sObject } from './render.js';

const policy = (name: string, spec: K8sObject['spec']): K8sObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name }, spec });
const ns = { 'kubernetes.io/metadata.name': 'app' };
const web: Pod = { labels: { app: 'web' }, namedPorts: { http: 8080 } };

describe('selectorMatches', () => {
  it('applies matchLabels and every matchExpressions operator', () => {
    expect(selectorMatches({}, { a: '1' })).toBe(true);
    expect(selectorMatches({ matchLabels: { a: '1' } }, { a: '2' })).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '2'] }] }, { a: '2' })).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, { a: '1' })).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, {})).toBe(false);
    expect(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, {})).toBe(true);
  });
});

describe('inCidr', () => {
  it('compares the network part only', () => {
    expect(inCidr('169.254.169.254', '169.254.0.0/16')).toBe(true);
    expect(inCidr('169.255.0.1', '169.254.0.0/16')).toBe(false);
    expect(inCidr('203.0.113.9', '0.0.0.0/0')).toBe(true);
    expect(inCidr('10.1.2.3', '10.1.2.3/32')).toBe(true);
    expect(() => inCidr('10.1.2', '10.0.0.0/8')).toThrow(/IPv4/);
  });
});

describe('allowed', () => {
  const deny = policy('deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  const https = policy('https', {
    podSelector: { matchLabels: { app: 'web' } },
    policyTypes: ['Egress'],
    egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }], ports: [{ protocol: 'TCP', port: 443 }] }],
  });
  const fromLb = policy('lb', {
    podSelector: { matchLabels: { app: 'web' } },
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'lb' } } }], ports: [{ port: 'http' }] }],
  });
  const policies = [deny, https, fromLb];
  const lb = { kind: 'pod' as const, namespace: { 'kubernetes.io/metadata.name': 'lb' }, labels: { app: 'nginx' } };
  const neighbour = { kind: 'pod' as const, namespace: ns, labels: { app: 'other' } };

  it('lets a pod no policy selects do anything', () => {
    expect(allowed([https], ns, { labels: { app: 'x' }, namedPorts: {} }, 'Egress', { kind: 'ip', address: '1.2.3.4' }, 80)).toBe(true);
  });

  it('adds policies up over a default deny, with excepted addresses, ports and named ports', () => {
    expect(allowed(policies, ns, web, 'Egress', { kind: 'ip', address: '20.1.2.3' }, 443)).toBe(true);
    expect(allowed(policies, ns, web, 'Egress', { kind: 'ip', address: '20.1.2.3' }, 80)).toBe(false);
    expect(allowed(policies, ns, web, 'Egress', { kind: 'ip', address: '169.254.169.254' }, 443)).toBe(false);
    expect(allowed(policies, ns, web, 'Egress', { kind: 'ip', address: '20.1.2.3' }, 443, 'UDP')).toBe(false);
    expect(allowed(policies, ns, web, 'Ingress', lb, 8080)).toBe(true);
    expect(allowed(policies, ns, web, 'Ingress', lb, 9090)).toBe(false);
    expect(allowed(policies, ns, web, 'Ingress', neighbour, 8080)).toBe(false);
    expect(allowed([deny], ns, web, 'Ingress', lb, 8080)).toBe(false);
  });

  it('reads a podSelector without namespaceSelector as the policy namespace only', () => {
    const sameNamespace = policy('same', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ podSelector: { matchLabels: { app: 'other' } } }] }] });
    expect(allowed([sameNamespace], ns, web, 'Ingress', neighbour, 8080)).toBe(true);
    expect(allowed([sameNamespace], ns, web, 'Ingress', { ...neighbour, namespace: { 'kubernetes.io/metadata.name': 'elsewhere' } }, 8080)).toBe(false);
  });
});
