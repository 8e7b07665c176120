import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  federatedCredentialCommand,
  identityOf,
  KEDA_IDENTITY,
  kedaGrants,
  roleAssignmentCommand,
  serviceGrants,
  type BrokerConfig,
  type ServiceBusTrigger,
} from './az-commands.js';
import { k8sDir, repoRoot, services } from './layout.js';
import { findOne, ofKind, render } from './render.js';
import { azureAccess, type BusLayout } from './service-access.js';

/**
 * Least privilege on AKS: one identity per service, each with only the roles
 * its code needs on the entities it uses, and KEDA with only what its scaler
 * reads. The expected roles come from the services' sources and the rendered
 * prod overlay; k8s/README.md must give exactly those `az` commands.
 */
const readme = readFileSync(path.join(k8sDir, 'README.md'), 'utf8');
const brokerConfig = JSON.parse(readFileSync(path.join(repoRoot, 'emulators', 'servicebus', 'config', 'parley.json'), 'utf8')) as BrokerConfig;
const namespaceConfig = brokerConfig.UserConfig.Namespaces[0];
const bus: BusLayout = {
  queues: new Set((namespaceConfig?.Queues ?? []).map((q) => q.Name)),
  topics: new Set((namespaceConfig?.Topics ?? []).map((t) => t.Name)),
};

/** The README section that creates the identities and grants their roles. */
function identitySection(): string {
  const start = readme.indexOf('### Identities, federation and roles');
  if (start < 0) throw new Error('k8s/README.md has no "Identities, federation and roles" section');
  const next = readme.slice(start + 1).search(/\n##+ /);
  return next < 0 ? readme.slice(start) : readme.slice(start, start + 1 + next);
}
const commandLines = (text: string, prefix: string) => text.split('\n').filter((line) => line.startsWith(prefix));

describe("each service's reach, read from its sources", () => {
  const reach = Object.fromEntries(services.map(({ name }) => [name, azureAccess(name, bus)]));

  it('is what the architecture says: the gateway only sends chat-events and reads two tables, the worker owns the tables, the notifier only receives', () => {
    expect(reach.gateway).toEqual({ sends: ['topics/chat-events'], receives: [], tables: false, tablesRead: ['messages', 'presence'], webPubSub: true });
    expect(reach['chat-worker']).toEqual({
      sends: ['queues/notifications'],
      receives: ['topics/chat-events/subscriptions/chat-worker'],
      tables: true,
      tablesRead: [],
      webPubSub: false,
    });
    expect(reach.notifier).toEqual({ sends: [], receives: ['queues/notifications'], tables: false, tablesRead: [], webPubSub: true });
  });
});

describe('k8s/overlays/prod: identities and roles', () => {
  const objects = render('overlays/prod');
  const namespace = findOne(objects, 'Namespace', 'parley').metadata.name;
  const triggers = ofKind(objects, 'ScaledObject').flatMap((scaled) =>
    (scaled.spec.triggers as { type: string; metadata: ServiceBusTrigger }[]).filter((t) => t.type === 'azure-servicebus').map((t) => t.metadata),
  );
  const grants = [...services.flatMap(({ name }) => serviceGrants(name, azureAccess(name, bus))), ...kedaGrants(triggers)];
  const section = identitySection();

  it('grants in k8s/README.md exactly the roles the code and the scalers need', () => {
    expect(commandLines(section, 'az role assignment create ').sort()).toEqual(grants.map(roleAssignmentCommand).sort());
  });

  it('grants nothing on a whole Service Bus namespace, and KEDA only Data Owner of the entities it scales on', () => {
    expect(grants.filter((g) => g.scope === '$SB_ID')).toEqual([]);
    const keda = grants.filter((g) => g.identity === KEDA_IDENTITY);
    expect(keda.map((g) => g.scope).sort()).toEqual(['$SB_ID/queues/notifications', '$SB_ID/topics/chat-events/subscriptions/chat-worker']);
    expect(new Set(keda.map((g) => g.role))).toEqual(new Set(['Azure Service Bus Data Owner']));
    // Nobody else holds Data Owner anywhere.
    expect(grants.filter((g) => g.role === 'Azure Service Bus Data Owner' && g.identity !== KEDA_IDENTITY)).toEqual([]);
  });

  it('creates one identity per service and one for KEDA, each federated with exactly its own ServiceAccount', () => {
    const accounts = ofKind(objects, 'ServiceAccount').map((a) => a.metadata.name).sort();
    expect(accounts).toEqual(services.map((s) => s.name).sort());
    const federations = commandLines(section, 'az identity federated-credential create ');
    const expected = [
      ...accounts.map((account) => federatedCredentialCommand(identityOf(account), namespace, account)),
      federatedCredentialCommand(KEDA_IDENTITY, 'kube-system', 'keda-operator'),
    ];
    expect(federations.sort()).toEqual(expected.sort());
    expect(section).toContain('for id in parley-gateway parley-chat-worker parley-notifier parley-keda; do\n  az identity create --resource-group "$RG" --name "$id"');
  });
});
