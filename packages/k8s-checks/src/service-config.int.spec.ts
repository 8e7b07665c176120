import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BrokerConfig } from './az-commands.js';
import { containerEnv, materialise, type EnvSource } from './container-env.js';
import { overlays, repoRoot, services, type ServiceName } from './layout.js';
import { asNumber, asString, findOne, firstContainer, render } from './render.js';
import { secretStandIns } from './secret-stand-ins.js';
import { loadServiceConfigs } from './service-config.js';
import { envNamesRead } from './service-sources.js';

const uuid = /^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/;
const secretLike = /CONNECTION_STRING|_KEY$|SECRET|PASSWORD|TOKEN$/;

/** Parley's bus entities, as the local broker is configured (Config.json format). */
function busEntities() {
  const file = path.join(repoRoot, 'emulators', 'servicebus', 'config', 'parley.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as BrokerConfig;
  const namespace = config.UserConfig.Namespaces[0];
  return {
    queues: new Map((namespace?.Queues ?? []).map((q) => [q.Name, q])),
    subscriptions: new Map((namespace?.Topics ?? []).flatMap((t) => (t.Subscriptions ?? []).map((s) => [`${t.Name}/${s.Name}`, s] as const))),
  };
}

describe('the config check itself', () => {
  it('reports the variable a service is missing', () => {
    const [result] = loadServiceConfigs([{ service: 'gateway', env: { SERVICEBUS_NAMESPACE: 'x.servicebus.windows.net', SIGNALR_CONNECTION_STRING: secretStandIns['signalr-connection-string'] as string } }]);
    expect(result).toMatchObject({ service: 'gateway', ok: false, code: 'PARLEY_CONFIG_INVALID', variable: 'TOKEN_SIGNING_KEY' });
  });
});

describe.each(overlays)('k8s/overlays/%s', (overlay) => {
  const objects = render(`overlays/${overlay}`);
  const envOf = (name: ServiceName) => containerEnv(objects, firstContainer(findOne(objects, 'Deployment', name)));
  const literal = (name: ServiceName, variable: string): string | undefined => {
    const source = envOf(name).vars.get(variable);
    return source && (source.kind === 'literal' || source.kind === 'configMap') ? source.value : undefined;
  };

  it('gives each service an environment its own loadConfig accepts', () => {
    const jobs = services.map(({ name }) => {
      const env = envOf(name);
      expect(env.problems, name).toEqual([]);
      return { service: name, env: materialise(env, secretStandIns) };
    });
    expect(loadServiceConfigs(jobs)).toEqual(services.map(({ name }) => ({ service: name, ok: true })));
  });

  it.each(services.map((s) => s.name))('%s: supplies only variables the service reads, secrets only from the Secret', (name) => {
    const read = envNamesRead(name);
    for (const [variable, source] of envOf(name).vars) {
      expect(read.has(variable), `${name} does not read ${variable}`).toBe(true);
      if (secretLike.test(variable)) expect((source as EnvSource).kind, variable).toBe('secret');
      if (source.kind === 'secret') expect(source.secret).toBe('parley-secrets');
    }
  });

  it('reaches Azure through workload identity, not connection strings', () => {
    for (const { name } of services) {
      expect(literal(name, 'SERVICEBUS_NAMESPACE'), name).toMatch(/^[a-z0-9-]+\.servicebus\.windows\.net$/);
      expect(envOf(name).vars.has('SERVICEBUS_CONNECTION_STRING'), name).toBe(false);
    }
    expect(literal('chat-worker', 'TABLES_ACCOUNT_URL')).toMatch(/^https:\/\/[a-z0-9]+\.table\.core\.windows\.net\/?$/);
    expect(envOf('chat-worker').vars.has('TABLES_CONNECTION_STRING')).toBe(false);
  });

  it(`signs users in with ${overlay === 'prod' ? 'OIDC' : 'development tokens'}`, () => {
    expect(literal('gateway', 'AUTH_MODE')).toBe(overlay === 'prod' ? 'oidc' : 'development');
  });

  it('gives the gateway and the chat-worker the same hub and partition count', () => {
    for (const variable of ['HUB', 'PARTITIONS']) {
      expect(literal('gateway', variable), variable).toBeDefined();
      expect(literal('gateway', variable), variable).toBe(literal('chat-worker', variable));
    }
  });

  describe.each([
    { name: 'chat-worker' as const, entity: { topicName: 'chat-events', subscriptionName: 'chat-worker' } },
    { name: 'notifier' as const, entity: { queueName: 'notifications' } },
  ])('KEDA ScaledObject $name', ({ name, entity }) => {
    const scaled = findOne(objects, 'ScaledObject', name);
    const trigger = scaled.spec.triggers[0];

    it('scales its Deployment on the backlog of its session entity', () => {
      expect(scaled.spec.scaleTargetRef).toMatchObject({ name, kind: 'Deployment' });
      expect(scaled.spec.triggers).toHaveLength(1);
      expect(trigger.type).toBe('azure-servicebus');
      expect(trigger.metadata).toMatchObject(entity);
      expect(Number(trigger.metadata.messageCount)).toBeGreaterThan(0);
      const { queues, subscriptions } = busEntities();
      const configured =
        entity.queueName !== undefined ? queues.get(entity.queueName) : subscriptions.get(`${entity.topicName}/${entity.subscriptionName}`);
      expect(configured?.Properties?.RequiresSession).toBe(true);
    });

    it('reads the namespace the services use, as KEDA identity through workload identity', () => {
      expect(`${trigger.metadata.namespace}.servicebus.windows.net`).toBe(literal(name, 'SERVICEBUS_NAMESPACE'));
      expect(trigger.metadata.connectionFromEnv).toBeUndefined();
      const auth = findOne(objects, 'TriggerAuthentication', asString(trigger.authenticationRef.name, 'authenticationRef.name'));
      expect(auth.spec.podIdentity.provider).toBe('azure-workload');
      expect(auth.spec.podIdentity.identityId).toMatch(uuid);
      expect(auth.spec.podIdentity.identityId).not.toBe('00000000-0000-0000-0000-000000000000');
    });

    it('never scales past the partition count: a replica beyond it could hold no session', () => {
      const partitions = Number(literal('chat-worker', 'PARTITIONS'));
      expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
      expect(scaled.spec.maxReplicaCount).toBeGreaterThanOrEqual(asNumber(scaled.spec.minReplicaCount, 'minReplicaCount'));
      expect(scaled.spec.maxReplicaCount).toBeLessThanOrEqual(partitions);
    });
  });
});
