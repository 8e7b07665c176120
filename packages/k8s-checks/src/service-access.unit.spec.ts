import { describe, expect, it } from 'vitest';
import { kedaGrants, principalVariable, roleAssignmentCommand, serviceGrants } from './az-commands.js';
import { azureAccess, type BusLayout } from './service-access.js';

const bus: BusLayout = { queues: new Set(['notifications']), topics: new Set(['chat-events']) };

describe('azureAccess', () => {
  it('reads senders, consumer entities and the Azure SDKs a service loads', () => {
    const texts = [
      "import { TableClient } from '@azure/data-tables';\nconst s = client.createSender(BusEntities.notificationsQueue);",
      "runConsumer({ entity: { topic: BusEntities.chatEventsTopic, subscription: BusEntities.chatWorkerSubscription } });",
    ];
    expect(azureAccess('chat-worker', bus, texts)).toEqual({
      sends: ['queues/notifications'],
      receives: ['topics/chat-events/subscriptions/chat-worker'],
      tables: true,
      tablesRead: [],
      webPubSub: false,
    });
  });

  it('reads the tables a service only reads through service-kit, and counts a write call as writing', () => {
    const reader = ["const m = openTableClient(config.tables, Tables.messages, options);\nconst p = openTableClient(config.tables, Tables.presence);\nawait m.getEntity(pk, rk);"];
    expect(azureAccess('gateway', bus, reader)).toMatchObject({ tables: false, tablesRead: ['messages', 'presence'] });
    expect(azureAccess('gateway', bus, [...reader, 'await m.upsertEntity(row);'])).toMatchObject({ tables: true, tablesRead: [] });
    expect(() => azureAccess('gateway', bus, ['openTableClient(config.tables, name)'])).toThrow(/does not name a Tables constant/);
  });

  it('counts Parley\'s REST client of the WebSocket service as calling Web PubSub', () => {
    expect(azureAccess('notifier', bus, ["import { serviceRest } from '@parley/websocket-rest';"]).webPubSub).toBe(true);
  });

  it('reads a consumer entity held in a constant as well as one written inline', () => {
    const texts = ["const entity = { queue: BusEntities.notificationsQueue };\nstartSessionConsumer<Command>({ entity, parse });"];
    expect(azureAccess('notifier', bus, texts).receives).toEqual(['queues/notifications']);
  });

  it('does not count a type-only import as using the service', () => {
    const texts = ["import type { TableEntity } from '@azure/data-tables';", "import type { WebPubSubServiceClient } from '@azure/web-pubsub';"];
    expect(azureAccess('gateway', bus, texts)).toMatchObject({ tables: false, webPubSub: false });
  });

  it('refuses what it cannot account for: a sender it cannot name, an unknown entity, its own receiver, entity management', () => {
    expect(() => azureAccess('gateway', bus, ['client.createSender(name)'])).toThrow(/does not name a BusEntities constant/);
    expect(() => azureAccess('gateway', bus, ['client.createSender(BusEntities.nowhere)'])).toThrow(/contracts does not define/);
    expect(() => azureAccess('gateway', bus, ['client.createReceiver(BusEntities.notificationsQueue)'])).toThrow(/opens a receiver itself/);
    expect(() => azureAccess('gateway', bus, ['new ServiceBusAdministrationClient(ns, credential)'])).toThrow(/Data Owner/);
    expect(() => azureAccess('notifier', bus, ['startSessionConsumer({ entity: entityFor(name) });'])).toThrow(/starts a consumer whose entity is not written/);
    expect(() => azureAccess('gateway', { queues: new Set(), topics: new Set() }, ['client.createSender(BusEntities.chatEventsTopic)'])).toThrow(
      /Config.json does not define/,
    );
  });
});

describe('role grants', () => {
  it('turns reach into entity-scoped roles, one identity per service', () => {
    const grants = serviceGrants('gateway', { sends: ['topics/chat-events'], receives: [], tables: false, tablesRead: ['presence'], webPubSub: true });
    expect(grants.map(roleAssignmentCommand)).toEqual([
      'az role assignment create --assignee-object-id "$GATEWAY_PRINCIPAL" --assignee-principal-type ServicePrincipal --role "Azure Service Bus Data Sender" --scope "$SB_ID/topics/chat-events"',
      'az role assignment create --assignee-object-id "$GATEWAY_PRINCIPAL" --assignee-principal-type ServicePrincipal --role "Storage Table Data Reader" --scope "$ST_ID/tableServices/default/tables/presence"',
      'az role assignment create --assignee-object-id "$GATEWAY_PRINCIPAL" --assignee-principal-type ServicePrincipal --role "Web PubSub Service Owner" --scope "$WPS_ID"',
    ]);
    expect(principalVariable('parley-chat-worker')).toBe('CHAT_WORKER_PRINCIPAL');
  });

  it('gives KEDA Data Owner of each scaled entity once, and refuses a trigger without an entity', () => {
    const grants = kedaGrants([{ queueName: 'q' }, { queueName: 'q' }, { topicName: 't', subscriptionName: 's' }]);
    expect(grants.map((g) => `${g.role} ${g.scope}`)).toEqual(['Azure Service Bus Data Owner $SB_ID/queues/q', 'Azure Service Bus Data Owner $SB_ID/topics/t/subscriptions/s']);
    expect(() => kedaGrants([{ topicName: 't' }])).toThrow(/neither a queue nor a topic subscription/);
  });
});
