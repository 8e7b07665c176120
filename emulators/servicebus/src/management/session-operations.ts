import type { MessageStore } from '../broker/store.js';
import { BrokerError, Condition } from '../errors.js';
import type { ManagementScope } from './operations.js';
import { ok, requiredString, toNumber, type ManagementReply, type RequestBody } from './request.js';

type Operation = (scope: ManagementScope, body: RequestBody) => ManagementReply;

function sessionsOf(store: MessageStore) {
  if (!store.sessions) throw new BrokerError(Condition.notAllowed, `'${store.path}' does not use sessions.`);
  return store.sessions;
}

/** Session operations; they act on sessions that some receiver holds locked. */
export function sessionOperations(needStore: (scope: ManagementScope) => MessageStore): Record<string, Operation> {
  return {
    'com.microsoft:renew-session-lock': (scope, body) => {
      const id = requiredString(body['session-id'], 'session-id');
      const until = sessionsOf(needStore(scope)).renew(id, undefined);
      return ok({ expiration: new Date(until) });
    },
    'com.microsoft:get-session-state': (scope, body) => {
      const id = requiredString(body['session-id'], 'session-id');
      const entry = sessionsOf(needStore(scope)).requireLocked(id);
      return ok({ 'session-state': entry.state ?? null });
    },
    'com.microsoft:set-session-state': (scope, body) => {
      const store = needStore(scope);
      const id = requiredString(body['session-id'], 'session-id');
      const entry = sessionsOf(store).requireLocked(id);
      const state = body['session-state'];
      entry.state = Buffer.isBuffer(state) && state.length > 0 ? Buffer.from(state) : undefined;
      entry.updatedAt = Date.now();
      store.ctx.journal.append({ t: 'sst', store: store.key, sid: id, state: entry.state ?? null });
      return ok();
    },
    'com.microsoft:get-message-sessions': (scope, body) => {
      const ids = sessionsOf(needStore(scope)).activeIds();
      const skip = body.skip === undefined ? 0 : toNumber(body.skip, 'skip');
      const top = body.top === undefined ? ids.length : toNumber(body.top, 'top');
      const page = ids.slice(skip, skip + top);
      return ok({ skip: skip + page.length, 'sessions-ids': page });
    },
  };
}
