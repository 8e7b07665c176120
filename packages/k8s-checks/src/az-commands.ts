/**
 * The `az` commands that create Parley's Azure entities, derived from the same
 * sources the local stack uses (the broker's Config.json, the contracts' table
 * names), so k8s/README.md cannot drift from them: a test requires each line.
 */

type Properties = Record<string, string | number | boolean>;
interface ConfigEntity {
  Name: string;
  Properties?: Properties;
}
export interface BrokerConfig {
  UserConfig: { Namespaces: { Queues?: ConfigEntity[]; Topics?: (ConfigEntity & { Subscriptions?: ConfigEntity[] })[] }[] };
}

const queueFlags: Record<string, string> = {
  RequiresSession: '--enable-session',
  LockDuration: '--lock-duration',
  MaxDeliveryCount: '--max-delivery-count',
  DeadLetteringOnMessageExpiration: '--enable-dead-lettering-on-message-expiration',
  RequiresDuplicateDetection: '--duplicate-detection',
  DuplicateDetectionHistoryTimeWindow: '--duplicate-detection-history-time-window',
  DefaultMessageTimeToLive: '--default-message-time-to-live',
};
const topicFlags: Record<string, string> = {
  RequiresDuplicateDetection: '--duplicate-detection',
  DuplicateDetectionHistoryTimeWindow: '--duplicate-detection-history-time-window',
  DefaultMessageTimeToLive: '--default-message-time-to-live',
};
const subscriptionFlags: Record<string, string> = {
  RequiresSession: '--enable-session',
  LockDuration: '--lock-duration',
  MaxDeliveryCount: '--max-delivery-count',
  DeadLetteringOnMessageExpiration: '--enable-dead-lettering-on-message-expiration',
  DefaultMessageTimeToLive: '--default-message-time-to-live',
};

function flags(entity: ConfigEntity, known: Record<string, string>, what: string): string {
  return Object.entries(entity.Properties ?? {})
    .map(([property, value]) => {
      const flag = known[property];
      if (!flag) throw new Error(`${what} ${entity.Name}: no az flag known for ${property}; add it to az-commands.ts`);
      return ` ${flag} ${String(value)}`;
    })
    .join('');
}

/** One line per entity, in Config.json order: queues, then each topic and its subscriptions. */
export function serviceBusCommands(config: BrokerConfig): string[] {
  const target = '--resource-group "$RG" --namespace-name "$SB"';
  const lines: string[] = [];
  for (const namespace of config.UserConfig.Namespaces) {
    for (const queue of namespace.Queues ?? []) lines.push(`az servicebus queue create ${target} --name ${queue.Name}${flags(queue, queueFlags, 'queue')}`);
    for (const topic of namespace.Topics ?? []) {
      lines.push(`az servicebus topic create ${target} --name ${topic.Name}${flags(topic, topicFlags, 'topic')}`);
      for (const subscription of topic.Subscriptions ?? []) {
        lines.push(
          `az servicebus topic subscription create ${target} --topic-name ${topic.Name} --name ${subscription.Name}${flags(subscription, subscriptionFlags, 'subscription')}`,
        );
      }
    }
  }
  return lines;
}

/** The table create commands, with the caller's identity (it needs a data role on the account). */
export function tableCommands(tables: readonly string[]): string[] {
  return tables.map((table) => `az storage table create --account-name "$ST" --auth-mode login --name ${table}`);
}

/** A role one identity holds on one scope (`$SB_ID/...`, `$ST_ID`, `$WPS_ID`: shell variables the README defines). */
export interface RoleGrant {
  readonly identity: string;
  readonly role: string;
  readonly scope: string;
}

/** What a service reaches, in the terms of service-access.ts (kept structural so this file stays free of file reads). */
export interface ServiceReach {
  readonly sends: readonly string[];
  readonly receives: readonly string[];
  readonly tables: boolean;
  readonly tablesRead: readonly string[];
  readonly webPubSub: boolean;
}

/** The user-assigned identity a service runs as: one each, so that each holds only its own roles. */
export const identityOf = (service: string): string => `parley-${service}`;
export const KEDA_IDENTITY = 'parley-keda';

/** The shell variable holding an identity's principal (object) id: parley-chat-worker → $CHAT_WORKER_PRINCIPAL. */
export const principalVariable = (identity: string): string => `${identity.replace(/^parley-/, '').toUpperCase().replaceAll('-', '_')}_PRINCIPAL`;

/**
 * The roles a service's identity needs, each on the narrowest scope Azure
 * offers: a bus entity for send and receive; the storage account for tables
 * written (the worker creates a missing table, which a role on one table cannot
 * do); each table only read, by itself;
 * the Web PubSub resource (its narrowest RBAC scope) for client tokens and REST.
 */
export function serviceGrants(service: string, reach: ServiceReach): RoleGrant[] {
  const identity = identityOf(service);
  return [
    ...reach.sends.map((entity) => ({ identity, role: 'Azure Service Bus Data Sender', scope: `$SB_ID/${entity}` })),
    ...reach.receives.map((entity) => ({ identity, role: 'Azure Service Bus Data Receiver', scope: `$SB_ID/${entity}` })),
    ...(reach.tables ? [{ identity, role: 'Storage Table Data Contributor', scope: '$ST_ID' }] : []),
    ...reach.tablesRead.map((table) => ({ identity, role: 'Storage Table Data Reader', scope: `$ST_ID/tableServices/default/tables/${table}` })),
    ...(reach.webPubSub ? [{ identity, role: 'Web PubSub Service Owner', scope: '$WPS_ID' }] : []),
  ];
}

/** The `metadata` of a KEDA azure-servicebus trigger. */
export interface ServiceBusTrigger {
  readonly queueName?: string;
  readonly topicName?: string;
  readonly subscriptionName?: string;
}

/**
 * KEDA reads each scaled entity's runtime counts through the management API,
 * which the scaler documents as needing the Manage right; under Entra ID that
 * is Data Owner, and no narrower role or data action grants it. So: Data
 * Owner of exactly the entities KEDA scales on, never of the namespace.
 */
export function kedaGrants(triggers: readonly ServiceBusTrigger[]): RoleGrant[] {
  const scopes = new Set(
    triggers.map((t) => {
      if (t.queueName) return `$SB_ID/queues/${t.queueName}`;
      if (t.topicName && t.subscriptionName) return `$SB_ID/topics/${t.topicName}/subscriptions/${t.subscriptionName}`;
      throw new Error(`a trigger names neither a queue nor a topic subscription: ${JSON.stringify(t)}`);
    }),
  );
  return [...scopes].map((scope) => ({ identity: KEDA_IDENTITY, role: 'Azure Service Bus Data Owner', scope }));
}

export function roleAssignmentCommand(grant: RoleGrant): string {
  return `az role assignment create --assignee-object-id "$${principalVariable(grant.identity)}" --assignee-principal-type ServicePrincipal --role "${grant.role}" --scope "${grant.scope}"`;
}

/** Federates a Kubernetes ServiceAccount with the identity it runs as (one credential per account). */
export function federatedCredentialCommand(identity: string, namespace: string, serviceAccount: string): string {
  return `az identity federated-credential create --resource-group "$RG" --identity-name ${identity} --name ${identity} --issuer "$AKS_OIDC_ISSUER" --subject system:serviceaccount:${namespace}:${serviceAccount} --audience api://AzureADTokenExchange`;
}
