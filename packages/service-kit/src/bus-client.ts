import { ServiceBusClient } from '@azure/service-bus';
import { DefaultAzureCredential } from '@azure/identity';
import type { BusConnection } from './config.js';

/** One ServiceBusClient per process; whoever creates it closes it (docs/style.md §9). */
export function createBusClient(connection: BusConnection): ServiceBusClient {
  const options = { retryOptions: { maxRetries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000, timeoutInMs: 10_000 } };
  return connection.kind === 'connectionString'
    ? new ServiceBusClient(connection.connectionString, options)
    : new ServiceBusClient(connection.namespace, new DefaultAzureCredential(), options);
}
