import type { SasGrant } from '../auth/authorize.js';
import type { Store } from '../store/store.js';

/** What an operation needs besides its request. */
export interface Context {
  readonly store: Store;
  readonly account: string;
  /** `http://host:port/account/` as the client addressed it. */
  readonly base: string;
  readonly grant: SasGrant | undefined;
  /** Addressed as `/{account}-secondary/…` (the read-access secondary endpoint). */
  readonly secondary: boolean;
}
