/**
 * Azure's published limits the capacity model plans against, each with the page
 * that states it. Figures marked `assumption` are not published by Microsoft;
 * they are ours, named as such in the output and in docs/capacity.md.
 */
export interface PublishedLimit {
  readonly value: number;
  readonly what: string;
  readonly source: string;
  /** Not a published figure: a planning assumption to measure before relying on it. */
  readonly assumption?: true;
}

const WEB_PUBSUB_BILLING = 'https://learn.microsoft.com/en-us/azure/azure-web-pubsub/concept-billing-model';
const WEB_PUBSUB_SCALE = 'https://learn.microsoft.com/en-us/azure/azure-web-pubsub/howto-scale-manual-scale';
const WEB_PUBSUB_PERFORMANCE = 'https://learn.microsoft.com/en-us/azure/azure-web-pubsub/concept-performance';
const SERVICE_BUS_THROTTLING = 'https://learn.microsoft.com/en-us/azure/service-bus-messaging/service-bus-throttling';
const SERVICE_BUS_QUOTAS = 'https://learn.microsoft.com/en-us/azure/service-bus-messaging/service-bus-quotas';
const SERVICE_BUS_PARTITIONS = 'https://learn.microsoft.com/en-us/azure/service-bus-messaging/enable-partitions-premium';
const TABLE_TARGETS = 'https://learn.microsoft.com/en-us/azure/storage/tables/scalability-targets';

export const LIMITS = {
  webPubSubConnectionsPerUnit: { value: 1_000, what: 'concurrent connections per Web PubSub unit', source: WEB_PUBSUB_BILLING },
  webPubSubPlannedUtilization: { value: 0.8, what: 'planned unit utilization before scaling out (Microsoft recommends at most 80 %)', source: WEB_PUBSUB_BILLING },
  webPubSubMaxUnitsStandard: { value: 100, what: 'units per Standard (and Premium_P1) instance; beyond 100, Premium_P2', source: WEB_PUBSUB_SCALE },
  webPubSubEventsPerUnit: { value: 500, what: 'CloudEvents to the upstream per unit per second (2 KB messages, p99 < 1 s)', source: WEB_PUBSUB_PERFORMANCE },
  webPubSubGroupOutboundPerUnit: { value: 4_000, what: 'outbound messages per unit per second sending to small groups (10 members)', source: WEB_PUBSUB_PERFORMANCE },
  webPubSubGroupOutboundPerInstance: { value: 150_000, what: 'outbound messages per second to small groups per instance (routing cost caps Unit50 and Unit100 alike)', source: WEB_PUBSUB_PERFORMANCE },
  serviceBusStandardCreditsPerSecond: { value: 1_000, what: 'credits per second per Standard namespace; each send, receive or settlement costs 1', source: SERVICE_BUS_THROTTLING },
  serviceBusAmqpConnections: { value: 5_000, what: 'concurrent AMQP connections per namespace', source: SERVICE_BUS_QUOTAS },
  serviceBusPremiumPartitions: { value: 4, what: 'partitions of a Premium namespace (1, 2 or 4, set at creation)', source: SERVICE_BUS_PARTITIONS },
  serviceBusPremiumMaxUnitsPerPartition: { value: 16, what: 'messaging units per partition (1, 2, 4, 8 or 16 each)', source: SERVICE_BUS_PARTITIONS },
  serviceBusOperationsPerMessagingUnit: {
    value: 2_000,
    what: 'bus operations per second one Premium messaging unit carries (Microsoft publishes no rate per MU; it throttles on the MU\'s CPU and memory)',
    source: SERVICE_BUS_THROTTLING,
    assumption: true,
  },
  tableEntitiesPerPartition: { value: 2_000, what: 'entities per second per table partition (1 KiB entities)', source: TABLE_TARGETS },
  tableTransactionsPerAccount: { value: 20_000, what: 'transactions per second per storage account (1 KiB entities)', source: TABLE_TARGETS },
  tableRoundTripMs: {
    value: 10,
    what: 'milliseconds of one Table round trip inside a region, as a session waits for it (not published; measure in your region)',
    source: TABLE_TARGETS,
    assumption: true,
  },
} as const satisfies Record<string, PublishedLimit>;

/** Web PubSub's unit steps (1–10, then tens up to 100). */
export const WEB_PUBSUB_UNIT_STEPS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100] as const;
