import { asFields, asLabels, asList, asString, type Fields, type K8sObject } from './render.js';

/** Where one environment variable of a container comes from. */
export type EnvSource =
  | { kind: 'literal'; value: string }
  | { kind: 'configMap'; configMap: string; key: string; value: string }
  | { kind: 'secret'; secret: string; key: string; optional: boolean }
  | { kind: 'field'; fieldPath: string };

export interface ContainerEnv {
  vars: Map<string, EnvSource>;
  /** References that cannot be satisfied by the rendered objects (a ConfigMap or key that does not exist). */
  problems: string[];
}

/**
 * The environment Kubernetes would give `container`: envFrom first, in order,
 * then env, each later definition winning. ConfigMaps must be among `objects`
 * (they are generated with the manifests); Secrets are only referenced.
 */
export function containerEnv(objects: K8sObject[], container: Fields): ContainerEnv {
  const vars = new Map<string, EnvSource>();
  const problems: string[] = [];
  const configMap = (name: string) => objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name);

  for (const from of asList(container.envFrom ?? [], 'envFrom')) {
    if (from.configMapRef) {
      const name = asString(from.configMapRef.name, 'envFrom configMapRef.name');
      const found = configMap(name);
      if (!found) {
        if (from.configMapRef.optional !== true) problems.push(`envFrom ConfigMap ${name} does not exist`);
        continue;
      }
      for (const [key, value] of Object.entries(asLabels(found.data ?? {}, `ConfigMap ${name} data`))) {
        vars.set(`${from.prefix ?? ''}${key}`, { kind: 'configMap', configMap: name, key, value });
      }
    } else if (from.secretRef) {
      problems.push(`envFrom Secret ${from.secretRef.name}: name the keys with secretKeyRef so the checks can see them`);
    }
  }
  for (const entry of asList(container.env ?? [], 'env')) {
    const name = asString(entry.name, 'env name');
    if (entry.value !== undefined) {
      vars.set(name, { kind: 'literal', value: String(entry.value) });
    } else if (entry.valueFrom?.secretKeyRef) {
      const ref = asFields(entry.valueFrom.secretKeyRef, `${name} secretKeyRef`);
      vars.set(name, { kind: 'secret', secret: asString(ref.name, `${name} secret`), key: asString(ref.key, `${name} key`), optional: ref.optional === true });
    } else if (entry.valueFrom?.configMapKeyRef) {
      const ref = asFields(entry.valueFrom.configMapKeyRef, `${name} configMapKeyRef`);
      const mapName = asString(ref.name, `${name} configMap`);
      const key = asString(ref.key, `${name} key`);
      const value: unknown = configMap(mapName)?.data?.[key];
      if (value === undefined) problems.push(`${name}: ConfigMap ${mapName} has no key ${key}`);
      else vars.set(name, { kind: 'configMap', configMap: mapName, key, value: asString(value, `${name} value`) });
    } else if (entry.valueFrom?.fieldRef) {
      vars.set(name, { kind: 'field', fieldPath: asString(entry.valueFrom.fieldRef.fieldPath, `${name} fieldPath`) });
    } else {
      problems.push(`${name}: no value and no supported valueFrom`);
    }
  }
  return { vars, problems };
}

/**
 * The process environment a service would see, with each Secret key replaced
 * by a stand-in from `secretValues` (the real ones are never in the repository).
 * Optional secret keys are left out: the service must start without them.
 */
export function materialise(env: ContainerEnv, secretValues: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, source] of env.vars) {
    if (source.kind === 'literal' || source.kind === 'configMap') out[name] = source.value;
    else if (source.kind === 'field') out[name] = `field:${source.fieldPath}`;
    else if (!source.optional) {
      const value = secretValues[source.key];
      if (value === undefined) throw new Error(`${name} comes from secret key ${source.key}, which has no stand-in value in the checks`);
      out[name] = value;
    }
  }
  return out;
}
