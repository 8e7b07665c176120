import type { ServiceBusMessageBatch, ServiceBusSender } from '@azure/service-bus';
import { withDeadline } from './deadline.js';

/** Batch creation and sending on one sender, each under its own deadline. */
export interface DeadlineSender {
  createBatch(): Promise<ServiceBusMessageBatch>;
  sendBatch(batch: ServiceBusMessageBatch): Promise<void>;
}

/**
 * The bus client's operation timeout is the broker's long accept wait (bus-client.ts), so every
 * send carries its own deadline: a hung broker fails it in `ms`, as a transient error.
 */
export function withSendDeadline(sender: ServiceBusSender, ms: number): DeadlineSender {
  return {
    createBatch: () => withDeadline(ms, (abortSignal) => sender.createMessageBatch({ abortSignal })),
    sendBatch: (batch) => withDeadline(ms, (abortSignal) => sender.sendMessages(batch, { abortSignal })),
  };
}
