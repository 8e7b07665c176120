import type { ChatEvent } from '@parley/contracts';
import type { ChatStore } from '../store/chat-store.js';

/**
 * The real store with a fault injected right after the event-log write, the
 * moment a crash is most awkward: the event is logged, nothing else happened.
 * Throwing there is what a dying process looks like to the broker (the
 * message is not completed and comes back).
 */
export function failAfterAppend(store: ChatStore, fault: (event: ChatEvent) => void): ChatStore {
  return {
    appendEvent: async (event, receivedAt) => {
      const result = await store.appendEvent(event, receivedAt);
      fault(event);
      return result;
    },
    commitFrame: (...args) => store.commitFrame(...args),
    frameClaimed: (...args) => store.frameClaimed(...args),
    roomExists: (...args) => store.roomExists(...args),
    isMember: (...args) => store.isMember(...args),
    isKnownUser: (...args) => store.isKnownUser(...args),
    roomsOf: (...args) => store.roomsOf(...args),
    onlineUsers: (...args) => store.onlineUsers(...args),
    onlineProfiles: (...args) => store.onlineProfiles(...args),
    userName: (...args) => store.userName(...args),
    profileOf: (...args) => store.profileOf(...args),
    connectionsOf: (...args) => store.connectionsOf(...args),
    readHistory: (...args) => store.readHistory(...args),
    apply: (...args) => store.apply(...args),
    roomVisibility: (...args) => store.roomVisibility(...args),
    roomsWithVisibilityOf: (...args) => store.roomsWithVisibilityOf(...args),
    findMessage: (...args) => store.findMessage(...args),
    readPosition: (...args) => store.readPosition(...args),
    roomMemberIds: (...args) => store.roomMemberIds(...args),
    unreadCounts: (...args) => store.unreadCounts(...args),
    roomRow: (...args) => store.roomRow(...args),
    memberRow: (...args) => store.memberRow(...args),
    hasVoice: (...args) => store.hasVoice(...args),
    isBanned: (...args) => store.isBanned(...args),
    mutedUntil: (...args) => store.mutedUntil(...args),
    countMembers: (...args) => store.countMembers(...args),
    roomMembers: (...args) => store.roomMembers(...args),
    roomBans: (...args) => store.roomBans(...args),
    presenceOf: (...args) => store.presenceOf(...args),
    directoryPage: (...args) => store.directoryPage(...args),
  };
}
