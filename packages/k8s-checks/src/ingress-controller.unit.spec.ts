import { describe, expect, it } from 'vitest';
import { INTERNAL_LOAD_BALANCER, internalIngressClasses, validateNginxIngressController } from './ingress-controller.js';
import type { K8sObject } from './render.js';
import { validateObject } from './schemas.js';

const controller = (name: string, spec: Record<string, unknown>): K8sObject => ({
  apiVersion: 'approuting.kubernetes.azure.com/v1alpha1',
  kind: 'NginxIngressController',
  metadata: { name },
  spec,
});
const internal = controller('private', { ingressClassName: 'private', controllerNamePrefix: 'private', loadBalancerAnnotations: { [INTERNAL_LOAD_BALANCER]: 'true' } });

describe('NginxIngressController validation', () => {
  it('accepts the documented internal controller, through validateObject too', () => {
    expect(validateNginxIngressController(internal)).toEqual([]);
    expect(() => validateObject(internal)).not.toThrow();
  });

  it('rejects what the CRD rejects, and a misspelt field the API server would silently drop', () => {
    expect(validateNginxIngressController(controller('x', { ingressClassName: 'Bad_Name', controllerNamePrefix: 'xy' }))).toEqual([
      expect.stringContaining('spec.ingressClassName'),
    ]);
    expect(validateNginxIngressController(controller('x', { ingressClassName: 'xy' }))).toEqual([expect.stringContaining('spec.controllerNamePrefix')]);
    expect(validateNginxIngressController(controller('x', { ingressClassName: 'xy', controllerNamePrefix: 'xy', loadBalancerAnnotations: { [INTERNAL_LOAD_BALANCER]: true } }))).toEqual([
      expect.stringContaining('must be a string'),
    ]);
    const typo = controller('x', { ingressClassName: 'xy', controllerNamePrefix: 'xy', loadBalancerAnotations: { [INTERNAL_LOAD_BALANCER]: 'true' } });
    expect(() => validateObject(typo)).toThrow(/NginxIngressController x: spec\.loadBalancerAnotations is not a field/);
  });
});

describe('internal ingress classes', () => {
  it('are those whose controller asks for an internal load balancer, and only "true" counts', () => {
    const objects = [
      internal,
      controller('public', { ingressClassName: 'public', controllerNamePrefix: 'public' }),
      controller('explicitly-public', { ingressClassName: 'explicitly-public', controllerNamePrefix: 'pp', loadBalancerAnnotations: { [INTERNAL_LOAD_BALANCER]: 'false' } }),
      { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'other' }, spec: { ingressClassName: 'other' } },
    ];
    expect([...internalIngressClasses(objects)]).toEqual(['private']);
  });
});
