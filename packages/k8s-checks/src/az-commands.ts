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
