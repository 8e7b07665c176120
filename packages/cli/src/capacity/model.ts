import { LIMITS, WEB_PUBSUB_UNIT_STEPS } from './limits.js';

/** What one chat message costs, measured by packages/bench on the local stack. */
export interface MeasuredCost {
  /** Where the figures come from: the bench file and run. */
  readonly source: string;
  readonly cpuMsPerMessage: Readonly<Record<ServiceName, number>>;
  /** Sends, receives and settlements on the bus per message in (every consumer's). */
  readonly busOperationsPerMessage: number;
  /** The chat-worker's Table round trips per message, each one waited for inside its session. */
  readonly tableRoundTripsPerMessage: number;
}

export type ServiceName = 'gateway' | 'chat-worker' | 'notifier';
export const SERVICES: readonly ServiceName[] = ['gateway', 'chat-worker', 'notifier'];

/** Parley's own settings the limits are checked against (k8s/overlays/prod, packages/contracts). */
export interface Deployment {
  readonly partitions: number;
  readonly eventLogShards: number;
  readonly maxReplicas: Readonly<Record<ServiceName, number>>;
  readonly minReplicas: Readonly<Record<ServiceName, number>>;
  /** CPU one replica may use at the autoscaler's target (cores). */
  readonly coresPerReplica: number;
  /** Busy share of a session's time we plan for: a session works one message at a time. */
  readonly sessionUtilization: number;
  readonly maxPartitions: number;
}

export interface CapacityInput {
  readonly users: number;
  /** Messages each user sends per minute. */
  readonly messagesPerUserPerMinute: number;
  /** Connections each message reaches (a room's members online). */
  readonly roomSize: number;
  readonly connectionsPerUser: number;
  readonly cost: MeasuredCost;
  readonly deployment: Deployment;
}

/** One limit at one size: how much of it the load uses, and what to change past it. */
export interface LimitUse {
  readonly name: string;
  readonly used: number;
  readonly limit: number;
  /** used ÷ limit: above 1 the limit is hit. */
  readonly utilization: number;
  readonly source: string;
  readonly assumption: boolean;
  readonly change: string;
}

export interface CapacityPlan {
  readonly users: number;
  readonly messagesPerSecond: number;
  readonly deliveriesPerSecond: number;
  readonly connections: number;
  readonly replicas: Readonly<Record<ServiceName, number>>;
  readonly cores: Readonly<Record<ServiceName, number>>;
  readonly webPubSub: { readonly units: number; readonly instances: number; readonly tier: string };
  readonly serviceBus: { readonly tier: 'Standard' | 'Premium'; readonly messagingUnits: number; readonly namespaces: number; readonly operationsPerSecond: number };
  /** Sessions (PARTITIONS) needed so that no session is busier than planned; a power of two. */
  readonly partitions: number;
  readonly storage: { readonly accounts: number; readonly transactionsPerSecond: number; readonly busiestPartitionPerSecond: number };
  /** Every limit against the current deployment (Standard tiers, its PARTITIONS and replica caps), busiest first. */
  readonly limits: readonly LimitUse[];
  /** The first limit the current deployment hits as users grow to this size, or none. */
  readonly firstLimit: LimitUse | undefined;
}

const ceil = (value: number) => Math.ceil(value - 1e-9);
const nextPowerOfTwo = (value: number) => 2 ** Math.max(0, Math.ceil(Math.log2(Math.max(1, value))));

/** Web PubSub units for a number of connections, at the planned utilization, on the unit steps of one instance or in whole instances. */
export function webPubSubUnits(connections: number): { units: number; instances: number } {
  const needed = ceil(connections / (LIMITS.webPubSubConnectionsPerUnit.value * LIMITS.webPubSubPlannedUtilization.value));
  const max = LIMITS.webPubSubMaxUnitsStandard.value;
  if (needed <= max) return { units: WEB_PUBSUB_UNIT_STEPS.find((step) => step >= Math.max(1, needed))!, instances: 1 };
  const instances = ceil(needed / max);
  return { units: needed, instances };
}

/** Replicas, units and partitions for one size, and every limit's use against today's deployment. */
export function planCapacity(input: CapacityInput): CapacityPlan {
  const { users, cost, deployment } = input;
  if (!(users > 0)) throw new RangeError('users must be above 0');
  const messagesPerSecond = (users * input.messagesPerUserPerMinute) / 60;
  const deliveriesPerSecond = messagesPerSecond * input.roomSize;
  const connections = users * input.connectionsPerUser;

  const cores = {} as Record<ServiceName, number>;
  const replicas = {} as Record<ServiceName, number>;
  for (const service of SERVICES) {
    cores[service] = (messagesPerSecond * cost.cpuMsPerMessage[service]) / 1000;
    replicas[service] = Math.max(deployment.minReplicas[service], ceil(cores[service] / deployment.coresPerReplica));
  }

  const units = webPubSubUnits(connections);
  const unitsForEvents = messagesPerSecond / LIMITS.webPubSubEventsPerUnit.value;
  const unitsForOutbound = deliveriesPerSecond / LIMITS.webPubSubGroupOutboundPerUnit.value;
  const allocatedUnits = Math.max(units.units, ceil(unitsForEvents), ceil(unitsForOutbound));
  const instances = Math.max(units.instances, ceil(deliveriesPerSecond / LIMITS.webPubSubGroupOutboundPerInstance.value));

  const busOps = messagesPerSecond * cost.busOperationsPerMessage;
  const standardBus = busOps <= LIMITS.serviceBusStandardCreditsPerSecond.value;
  const messagingUnits = standardBus ? 0 : nextPowerOfTwo(busOps / LIMITS.serviceBusOperationsPerMessagingUnit.value);
  const maxUnitsPerNamespace = LIMITS.serviceBusPremiumPartitions.value * LIMITS.serviceBusPremiumMaxUnitsPerPartition.value;

  // A session handles one message at a time: its CPU plus the Table round trips it waits for.
  const sessionSeconds = (cost.cpuMsPerMessage['chat-worker'] + cost.tableRoundTripsPerMessage * LIMITS.tableRoundTripMs.value) / 1000;
  const sessionsNeeded = (messagesPerSecond * sessionSeconds) / deployment.sessionUtilization;
  const partitions = Math.max(deployment.partitions, nextPowerOfTwo(sessionsNeeded));

  const tableTransactions = messagesPerSecond * cost.tableRoundTripsPerMessage;
  const busiestPartitionPerSecond = messagesPerSecond / deployment.eventLogShards;

  const use = (name: string, used: number, limit: number, ref: { source: string; assumption?: true }, change: string): LimitUse => ({
    name,
    used,
    limit,
    utilization: used / limit,
    source: ref.source,
    assumption: ref.assumption === true,
    change,
  });
  const limits: LimitUse[] = [
    use(
      'Web PubSub units of one Standard instance (connections)',
      connections / (LIMITS.webPubSubConnectionsPerUnit.value * LIMITS.webPubSubPlannedUtilization.value),
      LIMITS.webPubSubMaxUnitsStandard.value,
      LIMITS.webPubSubMaxUnitsStandard,
      'Premium_P2 beyond 100 units, or more Web PubSub instances with users spread over them (a hub per instance; the notifier sends to each)',
    ),
    use('Web PubSub upstream events per second (one instance of 100 units)', messagesPerSecond, LIMITS.webPubSubEventsPerUnit.value * LIMITS.webPubSubMaxUnitsStandard.value, LIMITS.webPubSubEventsPerUnit, 'more units or instances; HTTP/2 to the gateway'),
    use('Web PubSub outbound to small groups per instance', deliveriesPerSecond, LIMITS.webPubSubGroupOutboundPerInstance.value, LIMITS.webPubSubGroupOutboundPerInstance, 'more Web PubSub instances (hubs spread over them)'),
    use('Service Bus Standard credits per second', busOps, LIMITS.serviceBusStandardCreditsPerSecond.value, LIMITS.serviceBusStandardCreditsPerSecond, 'Service Bus Premium (messaging units); fewer bus operations per message'),
    use('Service Bus Premium messaging units of one namespace', busOps / LIMITS.serviceBusOperationsPerMessagingUnit.value, maxUnitsPerNamespace, { source: LIMITS.serviceBusPremiumPartitions.source, assumption: true }, 'more namespaces, conversations spread over them by partition'),
    use(`sessions (PARTITIONS=${deployment.partitions}) busy ${Math.round(deployment.sessionUtilization * 100)} % at most`, sessionsNeeded, deployment.partitions, LIMITS.tableRoundTripMs, `PARTITIONS=${partitions} on every producer and consumer (at most ${deployment.maxPartitions})`),
    use(`chat-worker replicas (KEDA maxReplicaCount ${deployment.maxReplicas['chat-worker']})`, replicas['chat-worker'], deployment.maxReplicas['chat-worker'], ownSetting, 'raise maxReplicaCount (never above PARTITIONS: a session has one holder)'),
    use(`notifier replicas (KEDA maxReplicaCount ${deployment.maxReplicas.notifier})`, replicas.notifier, deployment.maxReplicas.notifier, ownSetting, 'raise maxReplicaCount (never above PARTITIONS)'),
    use(`gateway replicas (HPA maxReplicas ${deployment.maxReplicas.gateway})`, replicas.gateway, deployment.maxReplicas.gateway, ownSetting, 'raise the gateway HPA maxReplicas'),
    use(`busiest event-log partition (${deployment.eventLogShards} shards an hour)`, busiestPartitionPerSecond, LIMITS.tableEntitiesPerPartition.value, LIMITS.tableEntitiesPerPartition, 'more event-log shards (EVENT_LOG_SHARDS)'),
    use('Table transactions per second of one storage account', tableTransactions, LIMITS.tableTransactionsPerAccount.value, LIMITS.tableTransactionsPerAccount, 'more storage accounts, conversations spread over them by partition'),
    use('AMQP connections of one namespace', replicas.gateway + replicas['chat-worker'] * 2 + replicas.notifier, LIMITS.serviceBusAmqpConnections.value, LIMITS.serviceBusAmqpConnections, 'more namespaces'),
  ];
  limits.sort((a, b) => b.utilization - a.utilization);

  return {
    users,
    messagesPerSecond,
    deliveriesPerSecond,
    connections,
    replicas,
    cores,
    webPubSub: { units: allocatedUnits, instances, tier: units.instances > 1 || allocatedUnits > LIMITS.webPubSubMaxUnitsStandard.value ? 'Premium_P2 or several Standard_S1' : 'Standard_S1' },
    serviceBus: {
      tier: standardBus ? 'Standard' : 'Premium',
      messagingUnits,
      namespaces: standardBus ? 1 : ceil(messagingUnits / maxUnitsPerNamespace),
      operationsPerSecond: busOps,
    },
    partitions,
    storage: { accounts: ceil(tableTransactions / LIMITS.tableTransactionsPerAccount.value), transactionsPerSecond: tableTransactions, busiestPartitionPerSecond },
    limits,
    firstLimit: limits[0] && limits[0].utilization >= 1 ? limits[0] : undefined,
  };
}

/** Parley's own caps are settings, not Azure's: their source is the overlay that sets them. */
const ownSetting = { source: 'k8s/overlays/prod/kustomization.yaml' };
