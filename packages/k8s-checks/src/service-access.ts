import { BusEntities, Tables } from '@parley/contracts';
import { ChecksError } from './errors.js';
import type { ServiceName } from './layout.js';
import { serviceSources } from './service-sources.js';

/**
 * What each service reaches in Azure, read from its production sources, so
 * that the role assignments k8s/README.md documents follow the code: a new
 * sender, receiver or SDK in a service changes what its identity must hold,
 * and the checks say so.
 */
export interface AzureAccess {
  /** Bus entities the service sends to, as Azure scopes below the namespace (`topics/x`, `queues/y`). */
  readonly sends: readonly string[];
  /** Bus entities it receives from (`queues/y`, `topics/x/subscriptions/z`); peeking the dead letters is receiving too. */
  readonly receives: readonly string[];
  /** Reads and writes Table Storage: loads `@azure/data-tables` itself, or writes through service-kit's table clients. */
  readonly tables: boolean;
  /** Only reads these tables (service-kit's `openTableClient(…, Tables.x)`, no write call), when `tables` is false. */
  readonly tablesRead: readonly string[];
  /** Calls the Web PubSub data plane (`@azure/web-pubsub`, or Entra ID tokens for its REST API). */
  readonly webPubSub: boolean;
}

/** Which bus entities are queues and which are topics: the names of the broker's Config.json. */
export interface BusLayout {
  readonly queues: ReadonlySet<string>;
  readonly topics: ReadonlySet<string>;
}

const entityNames: Record<string, string> = BusEntities;

function entityName(constant: string, service: ServiceName): string {
  const name = entityNames[constant];
  if (name === undefined) throw new ChecksError('K8S_CHECKS_SOURCE_UNREADABLE', `services/${service} names BusEntities.${constant}, which contracts does not define`);
  return name;
}

const tableNames: Record<string, string> = Tables;

function tableName(argument: string, service: ServiceName): string {
  const constant = /^Tables\.(\w+)$/.exec(argument)?.[1];
  const name = constant === undefined ? undefined : tableNames[constant];
  if (name === undefined) throw new ChecksError('K8S_CHECKS_SOURCE_UNREADABLE', `services/${service}: openTableClient(…, ${argument}) does not name a Tables constant`);
  return name;
}

const valueImport = (module: string) => new RegExp(`^import\\s+(?!type\\b)[^;]*from\\s+'${module.replaceAll('/', '\\/')}'`, 'm');

/** Reads one service's Azure access from its sources; anything it cannot account for is an error, not a silent omission. */
export function azureAccess(service: ServiceName, bus: BusLayout, texts: readonly string[] = serviceSources(service)): AzureAccess {
  const sends = new Set<string>();
  const receives = new Set<string>();
  for (const text of texts) {
    if (/\bServiceBusAdministrationClient\b/.test(text)) {
      throw new ChecksError('K8S_CHECKS_SOURCE_UNREADABLE', `services/${service} manages bus entities (ServiceBusAdministrationClient): its identity would need Data Owner; model that here first`);
    }
    const senders = [...text.matchAll(/createSender\(\s*([^)]*)\)/g)];
    for (const [, argument] of senders) {
      const constant = /^BusEntities\.(\w+)$/.exec((argument as string).trim())?.[1];
      if (constant === undefined) throw new ChecksError('K8S_CHECKS_SOURCE_UNREADABLE', `services/${service}: createSender(${argument}) does not name a BusEntities constant`);
      const name = entityName(constant, service);
      if (bus.topics.has(name)) sends.add(`topics/${name}`);
      else if (bus.queues.has(name)) sends.add(`queues/${name}`);
      else throw new ChecksError('K8S_CHECKS_SOURCE_UNREADABLE', `services/${service} sends to "${name}", which the broker's Config.json does not define`);
    }
    // The consumer's entity is written inline (`entity: {…}`) or held in a constant (`entity = {…}`).
    const consumed = [
      ...[...text.matchAll(/\bentity\s*[:=]\s*\{\s*topic:\s*BusEntities\.(\w+),\s*subscription:\s*BusEntities\.(\w+)\s*\}/g)].map(
        (match) => `topics/${entityName(match[1] as string, service)}/subscriptions/${entityName(match[2] as string, service)}`,
      ),
      ...[...text.matchAll(/\bentity\s*[:=]\s*\{\s*queue:\s*BusEntities\.(\w+)\s*\}/g)].map((match) => `queues/${entityName(match[1] as string, service)}`),
    ];
    if (consumed.length === 0 && /\bstartSessionConsumer\s*[<(]/.test(text)) {
      throw new ChecksError('K8S_CHECKS_SOURCE_UNREADABLE', `services/${service} starts a consumer whose entity is not written as { topic: BusEntities.x, subscription: BusEntities.y } or { queue: BusEntities.x } in the same file`);
    }
    for (const entity of consumed) receives.add(entity);
    if (/\b(createReceiver|acceptNextSession|acceptSession)\(/.test(text)) {
      throw new ChecksError('K8S_CHECKS_SOURCE_UNREADABLE', `services/${service} opens a receiver itself; read its entity here (service-access.ts)`);
    }
  }
  const opened = texts.flatMap((text) => [...text.matchAll(/\bopenTableClient\(([^,]+),\s*([^,)]+)/g)].map((match) => (match[2] as string).trim()));
  const writes = texts.some((text) => /\.(createEntity|upsertEntity|updateEntity|deleteEntity|submitTransaction|createTable)\(/.test(text));
  const tables = texts.some((text) => valueImport('@azure/data-tables').test(text)) || (opened.length > 0 && writes);
  const tablesRead = tables ? [] : [...new Set(opened.map((argument) => tableName(argument, service)))].sort();
  return {
    sends: [...sends].sort(),
    receives: [...receives].sort(),
    tables,
    tablesRead,
    // Microsoft's SDK, Entra ID tokens for the REST API, or Parley's REST client of the service.
    webPubSub: texts.some((text) => valueImport('@azure/web-pubsub').test(text) || valueImport('@parley/websocket-rest').test(text) || /\bWEBPUBSUB_ENTRA_SCOPE\b/.test(text)),
  };
}
