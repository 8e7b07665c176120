import type { InjectionKey } from 'vue';
import type { ModerationAction } from './chat-client.js';
import type { ChatMessage } from './chat-state.js';
import type { EmojiName } from './emoji.js';
import type { ConversationKey } from './keys.js';

/**
 * What the message, members and directory components may ask of the chat, handed down
 * once (provide/inject) instead of through every component between. ChatClient does it.
 */
export interface ChatActions {
  edit(key: ConversationKey, message: string, text: string): string | undefined;
  deleteMessage(key: ConversationKey, message: string): void;
  react(key: ConversationKey, message: string, emoji: EmojiName, remove?: boolean): void;
  typing(key?: ConversationKey): void;
  sendText(text: string, key?: ConversationKey, replyTo?: ChatMessage): string | undefined;
  requestMembers(key?: ConversationKey): void;
  moderate(room: string, user: string, action: ModerationAction): void;
  browse(prefix: string, more?: boolean): void;
  join(room: string, isPrivate?: boolean): string | undefined;
  open(key: ConversationKey): void;
  jumpTo(key: ConversationKey, message: string): void;
  jumpDone(): void;
}

export const CHAT_ACTIONS: InjectionKey<ChatActions> = Symbol('chat actions');
