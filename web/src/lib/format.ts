import type { Conversation, MessageState } from './chat-state.js';

/** Hours and minutes in the reader's locale; the full date goes in the title. */
export function shortTime(iso: string, locale?: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
}

export function conversationTitle(c: Pick<Conversation, 'kind' | 'name'>): string {
  if (c.kind === 'room') return `#${c.name}`;
  if (c.kind === 'direct') return `@${c.name}`;
  return 'Lobby';
}

export const stateLabels: Record<MessageState, string> = {
  pending: 'sending…',
  sent: 'sent',
  failed: 'not sent',
};

export function totalUnread(conversations: readonly Pick<Conversation, 'unread'>[]): number {
  return conversations.reduce((sum, c) => sum + c.unread, 0);
}

/** "alice is typing…", "alice and bob are typing…", "alice, bob and 2 others are typing…". */
export function typingText(names: readonly string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  const others = names.length - 2;
  return `${names[0]}, ${names[1]} and ${others} other${others === 1 ? '' : 's'} are typing…`;
}

/** The unread count as a badge shows it: the server counts up to 100. */
export function badgeCount(n: number): string {
  return n > 99 ? '99+' : String(n);
}

/** Full date and time for a tooltip. */
export function longTime(iso: string, locale?: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short' });
}

export function totalMentions(conversations: readonly Pick<Conversation, 'mentions'>[]): number {
  return conversations.reduce((sum, c) => sum + c.mentions, 0);
}
