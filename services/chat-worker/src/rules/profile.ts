import type { Decision, EventContext } from './types.js';

/**
 * `chat.profile`: the user's display name, from the gateway's verified identity at negotiate.
 * Kept on their presence row; nothing is sent: frames that name the user carry it from now on
 * (their `presence` on connecting, their messages, the `state` of everyone who connects).
 */
export function decideProfile(name: string, ctx: EventContext): Decision {
  return { writes: [{ kind: 'putProfile', hub: ctx.hub, user: ctx.userId, name }], commands: [] };
}
