import { ServiceBusClient } from '@azure/service-bus';
import { DefaultAzureCredential } from '@azure/identity';
import type { BusConnection } from './config.js';

/**
 * The SDK's operation timeout, which is also how long the broker holds an `acceptNextSession`
 * open waiting for a session with messages. An accept that ends empty re-creates its link and
 * CBS token, so a short timeout is churn at rest: the idle consumers' accepts are most of what
 * the worker, the notifier and the broker do while nothing happens. 60 s is the SDK's default. Sends carry their own shorter deadline (`withDeadline`), so a hung broker
 * still fails a send in seconds.
 */
export const BUS_OPERATION_TIMEOUT_MS = 60_000;

/** One ServiceBusClient per process; whoever creates it closes it (docs/style.md §9). */
export function createBusClient(connection: BusConnection): ServiceBusClient {
  const options = { retryOptions: { maxRetries: 3, retryDelayInMs: 200, maxRetryDelayInMs: 2000, timeoutInMs: BUS_OPERATION_TIMEOUT_MS } };
  return connection.kind === 'connectionString'
    ? new ServiceBusClient(connection.connectionString, options)
    : new ServiceBusClient(connection.namespace, new DefaultAzureCredential(), options);
}
