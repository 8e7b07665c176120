import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ChecksError } from './errors.js';
import { k8sDir } from './layout.js';

/** Part of a rendered object (a container, a probe…): checks read what they need and assert on it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- arbitrary resource bodies, checked by assertions
export type Fields = Record<string, any>;

/** A rendered Kubernetes object. */
export interface K8sObject extends Fields {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

export const KUBECTL = process.env.KUBECTL ?? 'kubectl';

/** `kubectl kustomize k8s/<dir>`, parsed. Fails with a message saying how to get kubectl when it is missing. */
export function render(dir: string): K8sObject[] {
  const result = spawnSync(KUBECTL, ['kustomize', path.join(k8sDir, dir)], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new ChecksError(
      'K8S_CHECKS_KUBECTL_MISSING',
      `"${KUBECTL}" was not found. The k8s checks render the overlays with kubectl kustomize: run .ci/run, which installs kubectl, or install it yourself (or point KUBECTL at one).`,
    );
  }
  if (result.status !== 0) {
    throw new ChecksError('K8S_CHECKS_RENDER_FAILED', `kubectl kustomize k8s/${dir} exited ${result.status}: ${result.stderr || result.error?.message}`);
  }
  return parseAllDocuments(result.stdout)
    .map((doc) => {
      if (doc.errors.length > 0) throw new ChecksError('K8S_CHECKS_RENDER_FAILED', `k8s/${dir} rendered invalid YAML: ${doc.errors[0]?.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((object): object is K8sObject => object !== null);
}

export function findOne(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} "${name}", found ${found.length}`);
  return found[0] as K8sObject;
}

export function ofKind(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

/*
 * Typed reads of rendered YAML, which parses as `any`: each checks the shape it
 * returns, so that a manifest of the wrong shape fails here, loudly, instead of
 * flowing on into a check as something it is not.
 */
export function asString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what}: expected a string, got ${JSON.stringify(value)}`);
  return value;
}

export function asNumber(value: unknown, what: string): number {
  if (typeof value !== 'number') throw new Error(`${what}: expected a number, got ${JSON.stringify(value)}`);
  return value;
}

export function asFields(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what}: expected an object, got ${JSON.stringify(value)}`);
  return value as Fields;
}

export function asList(value: unknown, what: string): Fields[] {
  if (!Array.isArray(value)) throw new Error(`${what}: expected a list, got ${JSON.stringify(value)}`);
  return value.map((item, index) => asFields(item, `${what}[${index}]`));
}

/** A label map (or a selector's matchLabels): string to string. */
export function asLabels(value: unknown, what: string): Record<string, string> {
  const map = asFields(value, what);
  for (const [key, item] of Object.entries(map)) asString(item, `${what}.${key}`);
  return map as Record<string, string>;
}

/** The first (Parley's only) container of a Deployment's pod template. */
export function firstContainer(deployment: K8sObject): Fields {
  return asFields(asList(deployment.spec?.template?.spec?.containers, `${deployment.kind} ${deployment.metadata.name} containers`)[0], `${deployment.metadata.name} container`);
}
