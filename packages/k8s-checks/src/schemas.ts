import { ScaledObject, TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Service, ServiceAccount } from 'kubernetes-models/v1';
import { ChecksError } from './errors.js';
import { NGINX_INGRESS_CONTROLLER, validateNginxIngressController } from './ingress-controller.js';
import { validatePodMonitor } from './monitoring.js';
import type { K8sObject } from './render.js';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

/** The kinds Parley's manifests may contain, by apiVersion/kind, with their OpenAPI-derived models. */
const models: Record<string, ModelClass> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
};

/**
 * The Secrets Store CSI driver's SecretProviderClass has no published model:
 * check the fields the Azure provider reads (its documentation), by structure.
 */
function validateSecretProviderClass(object: K8sObject): string[] {
  const problems: string[] = [];
  const spec = object.spec ?? {};
  const parameters = spec.parameters ?? {};
  if (spec.provider !== 'azure') problems.push('spec.provider must be "azure"');
  for (const key of ['keyvaultName', 'tenantId', 'clientID', 'objects']) {
    if (typeof parameters[key] !== 'string' || parameters[key] === '') problems.push(`spec.parameters.${key} must be a non-empty string`);
  }
  if (parameters.usePodIdentity !== 'false') problems.push('spec.parameters.usePodIdentity must be "false" (workload identity)');
  for (const [index, secret] of (spec.secretObjects ?? []).entries()) {
    if (typeof secret.secretName !== 'string') problems.push(`spec.secretObjects[${index}].secretName must be a string`);
    for (const item of secret.data ?? []) {
      if (typeof item.objectName !== 'string' || typeof item.key !== 'string') problems.push(`spec.secretObjects[${index}].data needs objectName and key`);
      else if (!String(parameters.objects).includes(`objectName: ${item.objectName}`)) {
        problems.push(`spec.secretObjects[${index}] syncs ${item.objectName}, which spec.parameters.objects does not fetch`);
      }
    }
  }
  return problems;
}

/** Validates one rendered object; throws with every problem found. Unknown kinds are an error, not a pass. */
export function validateObject(object: K8sObject): void {
  const id = `${object.apiVersion}/${object.kind}`;
  const where = `${object.kind} ${object.metadata?.name}`;
  if (id === 'secrets-store.csi.x-k8s.io/v1/SecretProviderClass') {
    const problems = validateSecretProviderClass(object);
    if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')}`);
    return;
  }
  if (id === NGINX_INGRESS_CONTROLLER) {
    const problems = validateNginxIngressController(object);
    if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')}`);
    return;
  }
  if (id === 'azmonitoring.coreos.com/v1/PodMonitor') {
    const problems = validatePodMonitor(object);
    if (problems.length > 0) throw new Error(`${where}: ${problems.join('; ')}`);
    return;
  }
  const Model = models[id];
  if (!Model) throw new ChecksError('K8S_CHECKS_UNKNOWN_KIND', `${where} (${id}) has no schema here; add its model to schemas.ts`);
  try {
    new Model(object as never).validate();
  } catch (error) {
    throw new Error(`${where}: ${(error as Error).message}`, { cause: error });
  }
}
