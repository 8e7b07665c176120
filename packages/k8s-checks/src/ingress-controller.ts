import type { K8sObject } from './render.js';

/**
 * The AKS application routing add-on's NginxIngressController
 * (approuting.kubernetes.azure.com/v1alpha1, cluster-scoped): one managed NGINX
 * and the IngressClass it serves. It has no published TypeScript model, so its
 * CRD's rules (Azure/aks-app-routing-operator) are checked here by structure.
 */

export const NGINX_INGRESS_CONTROLLER = 'approuting.kubernetes.azure.com/v1alpha1/NginxIngressController';

/** The Azure cloud provider's annotation that puts a LoadBalancer Service on a private address. */
export const INTERNAL_LOAD_BALANCER = 'service.beta.kubernetes.io/azure-load-balancer-internal';

/** The spec fields the add-on documents. The CRD is structural, so the API server would silently
 *  prune a misspelt one — a misspelt loadBalancerAnnotations would leave the controller public. */
const SPEC_FIELDS = new Set(['ingressClassName', 'controllerNamePrefix', 'loadBalancerAnnotations', 'defaultSSLCertificate', 'defaultBackendService', 'customHTTPErrors']);
const INGRESS_CLASS_NAME = /^[a-z0-9][-a-z0-9.]*[a-z0-9]$/;
const CONTROLLER_NAME_PREFIX = /^[a-z0-9][-a-z0-9]*[a-z0-9]$/;

const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every problem of one NginxIngressController, as the CRD's schema would judge it (plus unknown fields). */
export function validateNginxIngressController(object: K8sObject): string[] {
  const problems: string[] = [];
  const spec: unknown = object.spec;
  if (!isMap(spec)) return ['spec must be an object'];
  for (const key of Object.keys(spec)) if (!SPEC_FIELDS.has(key)) problems.push(`spec.${key} is not a field of NginxIngressController`);
  const className = spec.ingressClassName;
  if (typeof className !== 'string' || className.length > 253 || !INGRESS_CLASS_NAME.test(className)) {
    problems.push(`spec.ingressClassName must be a DNS subdomain name (${INGRESS_CLASS_NAME.source}, at most 253 characters)`);
  }
  const prefix = spec.controllerNamePrefix;
  if (typeof prefix !== 'string' || prefix.length > 60 || !CONTROLLER_NAME_PREFIX.test(prefix)) {
    problems.push(`spec.controllerNamePrefix must match ${CONTROLLER_NAME_PREFIX.source}, at most 60 characters`);
  }
  const annotations = spec.loadBalancerAnnotations;
  if (annotations !== undefined) {
    if (!isMap(annotations)) problems.push('spec.loadBalancerAnnotations must be a map');
    else for (const [key, value] of Object.entries(annotations)) if (typeof value !== 'string') problems.push(`spec.loadBalancerAnnotations.${key} must be a string (quote "true")`);
  }
  return problems;
}

/** The IngressClass names served by a controller of this render that sits behind an internal load balancer. */
export function internalIngressClasses(objects: readonly K8sObject[]): Set<string> {
  return new Set(
    objects
      .filter((o) => `${o.apiVersion}/${o.kind}` === NGINX_INGRESS_CONTROLLER && o.spec?.loadBalancerAnnotations?.[INTERNAL_LOAD_BALANCER] === 'true')
      .map((o) => String(o.spec.ingressClassName)),
  );
}
