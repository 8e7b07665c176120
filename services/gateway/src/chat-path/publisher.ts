import type { ChatEvent } from '@parley/contracts';

/**
 * The gateway's one port to the bus (docs/style.md §7). The Service Bus adapter is
 * `servicebus-publisher.ts`; inject tests of the HTTP branches may pass a
 * recording one, and the integration tests prove the real adapter.
 */
export interface EventPublisher {
  /** Resolves once the bus accepted the event; rejects (BusUnavailableError) otherwise. */
  publish(event: ChatEvent): Promise<void>;
  /** True while the sender is open and not closed (/readyz). */
  ready(): boolean;
  /** Refuses new events, lets in-flight sends finish, closes the sender. */
  close(): Promise<void>;
}
