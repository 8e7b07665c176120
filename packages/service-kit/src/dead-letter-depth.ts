import type { ServiceBusClient, ServiceBusReceiver } from '@azure/service-bus';
import { Gauge, type Registry } from 'prom-client';
import type { BusEntity } from './consumer.js';
import type { Logger } from './logger.js';

export interface DeadLetterDepthOptions {
  client: ServiceBusClient;
  entity: BusEntity;
  registry: Registry;
  logger: Logger;
  /** Between samples; the first one comes after `firstMs`. */
  intervalMs?: number;
  firstMs?: number;
  /** Counting stops here: the alert needs "more than zero", not an exact large number. */
  cap?: number;
}

const PAGE = 250;

/**
 * `parley_dead_letter_messages{entity}`: how many messages wait in the entity's
 * dead-letter sub-queue, counted by peeking (no lock, nothing changes) every minute.
 * The broker's own count needs management rights the services do not have; peeking
 * needs only the receive right they have. -1 until the first sample or after a
 * failed one, so a broken sampler is not read as "empty".
 */
export function watchDeadLetterDepth(options: DeadLetterDepthOptions): { stop(): Promise<void> } {
  const { client, entity, logger } = options;
  const name = 'queue' in entity ? entity.queue : `${entity.topic}/${entity.subscription}`;
  const cap = options.cap ?? 5_000;
  const gauge = new Gauge({
    name: 'parley_dead_letter_messages',
    help: `Messages in the dead-letter sub-queue (counted by peeking, capped at ${cap}; -1 unknown)`,
    labelNames: ['entity'],
    registers: [options.registry],
  });
  gauge.set({ entity: name }, -1);
  let stopped = false;
  let running: Promise<void> | undefined;

  async function count(): Promise<number> {
    const receiverOptions = { subQueueType: 'deadLetter' as const, receiveMode: 'peekLock' as const };
    const receiver: ServiceBusReceiver =
      'queue' in entity ? client.createReceiver(entity.queue, receiverOptions) : client.createReceiver(entity.topic, entity.subscription, receiverOptions);
    try {
      // A fresh receiver peeks from the start; each peek continues after the last one.
      let total = 0;
      while (total < cap) {
        const page = await receiver.peekMessages(Math.min(PAGE, cap - total));
        total += page.length;
        if (page.length === 0) break;
      }
      return total;
    } finally {
      await receiver.close().catch(() => undefined);
    }
  }

  // One sample at a time: a slow broker makes samples rarer, never pile up.
  const sample = () => {
    if (stopped || running) return;
    running = count()
      .then(
        (depth) => void gauge.set({ entity: name }, depth),
        (error: unknown) => {
          gauge.set({ entity: name }, -1);
          logger.warn({ err: error, entity: name }, 'counting the dead-letter queue failed');
        },
      )
      .finally(() => (running = undefined));
  };
  const first = setTimeout(sample, options.firstMs ?? 5_000);
  const timer = setInterval(sample, options.intervalMs ?? 60_000);
  first.unref();
  timer.unref();

  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
