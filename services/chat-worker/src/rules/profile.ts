import type { Decision, EventContext } from './types.js';

/** What the presence row said before a `chat.profile`: the name it held, and whether the user is online. */
export interface ProfileState {
  readonly name?: string;
  readonly online: boolean;
}

/**
 * `chat.profile`: the user's display name, from the gateway's verified identity at negotiate.
 * Kept on their presence row; frames that name the user carry it from now on (their `presence`
 * on connecting, their messages, the `state` of everyone who connects). A new name of a user
 * who is online already (another device) is announced at once: a `presence` frame saying they
 * are online, with the name, so every page shows it without waiting for their next message.
 */
export function decideProfile(name: string, state: ProfileState, ctx: EventContext): Decision {
  const announce = state.online && state.name !== name;
  return {
    writes: [{ kind: 'putProfile', hub: ctx.hub, user: ctx.userId, name }],
    commands: announce ? [{ action: 'sendToAll', hub: ctx.hub, frame: { type: 'presence', user: ctx.userId, online: true, name } }] : [],
  };
}
