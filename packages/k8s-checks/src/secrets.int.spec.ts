import { describe, expect, it } from 'vitest';
import { containerEnv, materialise } from './container-env.js';
import { overlays, services, type ServiceName } from './layout.js';
import { asString, findOne, firstContainer, ofKind, render, type K8sObject } from './render.js';
import { secretStandIns } from './secret-stand-ins.js';
import { loadServiceConfigs } from './service-config.js';

/**
 * No secret goes where it is not needed: every required secret a Deployment
 * is given must be one its own loadConfig refuses to start without, and the
 * Key Vault class that syncs parley-secrets exists, syncs and is mounted only
 * as far as those secrets need it.
 */
const CSI_DRIVER = 'secrets-store.csi.k8s.io';

const renders = overlays.map((overlay) => {
  const objects = render(`overlays/${overlay}`);
  const envOf = (service: ServiceName) => containerEnv(objects, firstContainer(findOne(objects, 'Deployment', service)));
  const requiredSecrets = (service: ServiceName) =>
    [...envOf(service).vars].flatMap(([variable, source]) => (source.kind === 'secret' && !source.optional ? [{ variable, key: source.key }] : []));
  return { overlay, objects, envOf, requiredSecrets };
});

describe('required secrets', () => {
  // One child process for every overlay and service: each load costs a tsx start-up.
  const jobs = renders.flatMap(({ overlay, envOf, requiredSecrets }) =>
    services.flatMap(({ name }) =>
      requiredSecrets(name).map(({ variable }) => {
        const env = materialise(envOf(name), secretStandIns);
        delete env[variable];
        return { overlay, service: name, variable, env };
      }),
    ),
  );

  it('are each one the service refuses to start without (a secret it would start without is one it does not need)', () => {
    const results = loadServiceConfigs(jobs.map(({ service, env }) => ({ service, env })));
    const unneeded = jobs.filter((job, index) => results[index]?.ok === true || results[index]?.variable !== job.variable);
    expect(unneeded.map((job) => `${job.overlay}/${job.service}: ${job.variable}`)).toEqual([]);
  });
});

describe.each(renders)('k8s/overlays/$overlay: the Key Vault volume', ({ overlay, objects, requiredSecrets }) => {
  const deployments = ofKind(objects, 'Deployment');
  const classes = ofKind(objects, 'SecretProviderClass');
  const readers = deployments.filter((d) => requiredSecrets(d.metadata.name as ServiceName).length > 0).map((d) => d.metadata.name);
  const mounting = deployments
    .filter((d) => (d.spec.template.spec.volumes ?? []).some((volume: K8sObject) => volume.csi?.driver === CSI_DRIVER))
    .map((d) => d.metadata.name);

  it('is mounted by exactly the Deployments that read parley-secrets (mounting is what syncs the Secret)', () => {
    if (classes.length === 0) expect(mounting).toEqual([]);
    else expect(mounting).toEqual(readers);
  });

  it('exists only where a Deployment mounts it, syncs only keys a Deployment requires, and reads Key Vault as a mounting Deployment', () => {
    if (overlay !== 'prod' || readers.length === 0) {
      expect(classes).toEqual([]);
      return;
    }
    expect(classes).toHaveLength(1);
    const [spc] = classes as [K8sObject];
    const synced: unknown[] = (spc.spec.secretObjects ?? []).flatMap((s: K8sObject) => (s.data ?? []).map((d: K8sObject) => d.key));
    const required = new Set(readers.flatMap((name) => requiredSecrets(name as ServiceName).map((s) => s.key)));
    expect([...new Set(synced.map((key) => asString(key, 'secretObjects key')))].sort()).toEqual([...required].sort());
    const mounterIds = readers.map((name) =>
      findOne(objects, 'ServiceAccount', asString(findOne(objects, 'Deployment', name).spec.template.spec.serviceAccountName, `${name} serviceAccountName`)),
    );
    expect(mounterIds.map((account) => account.metadata.annotations?.['azure.workload.identity/client-id'])).toContain(spc.spec.parameters.clientID);
  });
});
