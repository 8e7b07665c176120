import {
  directConversation,
  lobby,
  roomConversation,
  roomGroup,
  type Conversation,
  type NotifierCommand,
  type MessageFrame,
  type ServerFrame,
} from '@parley/contracts';

/** One emoji's reactions on a message (the contracts' Reaction schema). */
export type Reaction = NonNullable<MessageFrame['reactions']>[number];
/** The start of the message a reply answers (the contracts' QuotedMessage schema). */
export type QuotedMessage = NonNullable<MessageFrame['replyTo']>;

/** How a frame names its conversation, as `send` does: `room`, `to` (the other user of a direct chat), or neither (the lobby). */
export interface ConversationAddress {
  readonly room?: string;
  readonly to?: string;
}

export function conversationOf(address: ConversationAddress, user: string): Conversation {
  if (address.room !== undefined) return roomConversation(address.room);
  if (address.to !== undefined) return directConversation(user, address.to);
  return lobby();
}

/**
 * Who may touch messages of the conversation: everyone in the lobby, the two users of a direct
 * chat (the frame's sender is always one of them), a room's members. `moderates`: the sender owns
 * the room (its row's `createdBy`) or is one of its moderators (their member row's role).
 */
export type ConversationAccess =
  | { readonly kind: 'lobby' }
  | { readonly kind: 'direct' }
  | {
      readonly kind: 'room';
      readonly roomExists: boolean;
      readonly member: boolean;
      readonly moderates?: boolean;
      /** The sender's mute end, when their member row has one (read for an edit or a reaction). */
      readonly mutedUntil?: string;
    };

/**
 * The message a frame names, as its row holds it (found through its `~msg:` index row). Only
 * what the rule needs is loaded, because the state is frozen in the frame's claim: `text` for an
 * edit, `reactions` (every reacting user) for a reaction.
 */
export interface TargetMessage {
  readonly rowKey: string;
  /** The row's ETag: the change is stored only if the row is still as read. Never frozen (a rebuild gets others). */
  readonly etag: string;
  readonly id: string;
  readonly clientId: string;
  readonly from: string;
  readonly fromName?: string;
  readonly room?: string;
  readonly to?: string;
  readonly at: string;
  readonly deleted?: true;
  readonly text?: string;
  readonly reactions?: readonly Reaction[];
}

/** The state an edit, delete or react rule decides on. No `target`: no such message in the conversation (or not looked up). */
export interface MessageChangeState {
  readonly access: ConversationAccess;
  readonly target?: TargetMessage;
  /** An edit in a room whose new text has `@`: the members it mentions (absent: nobody, unread). */
  readonly mentions?: readonly string[];
}

/** Everyone who sees the conversation: the room's group, both users of a direct chat, everyone for the lobby (as `send` delivers). */
export function toAudience(hub: string, address: ConversationAddress, user: string, frame: ServerFrame): NotifierCommand[] {
  if (address.room !== undefined) return [{ action: 'sendToGroup', hub, group: roomGroup(address.room), frame }];
  if (address.to !== undefined) {
    return [
      { action: 'sendToUser', hub, userId: address.to, frame },
      { action: 'sendToUser', hub, userId: user, frame },
    ];
  }
  return [{ action: 'sendToAll', hub, frame }];
}
