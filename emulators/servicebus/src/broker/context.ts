import type { Logger } from '../logger.js';
import type { Journal } from '../journal/records.js';
import type { Deadlines } from './deadlines.js';
import type { MessageStore } from './store.js';
import type { StoredMessage } from './stored-message.js';

/** Namespace-wide services every store shares. */
export interface BrokerContext {
  readonly journal: Journal;
  readonly deadlines: Deadlines;
  /** Every live lock, by lock-token hex, for `$management` requests. */
  readonly locks: Map<string, { store: MessageStore; message: StoredMessage }>;
  readonly log: Logger;
}
