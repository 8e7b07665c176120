import type { NotifierEnvelope } from '@parley/contracts';

/** The worker's output port: notifier commands, in order, each with its stable command id. */
export interface CommandPublisher {
  publish(envelopes: readonly NotifierEnvelope[]): Promise<void>;
  close(): Promise<void>;
}
