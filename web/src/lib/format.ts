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
