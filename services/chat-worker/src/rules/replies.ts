import { ErrorCodes, Limits, type SendFrame } from '@parley/contracts';
import type { QuotedMessage } from './message-target.js';
import { reject } from './reject.js';
import type { Decision, EventContext } from './types.js';

/**
 * What a reply's `replyTo` found in the conversation the reply goes to (through the message's
 * index row): nothing — the id is another conversation's message, or no message at all, which
 * the reply cannot tell apart without reading other conversations — or the message, quoted.
 */
export type ReplyTarget = { readonly found: false } | { readonly found: true; readonly deleted: boolean; readonly quote: QuotedMessage };

/** The start of the answered message as the reply shows it: at most Limits.maxQuoteChars code points of its text, as it is now. */
export function quoteOf(message: { id: string; from: string; fromName?: string; text: string }): QuotedMessage {
  const text = Array.from(message.text).slice(0, Limits.maxQuoteChars).join('');
  return message.fromName === undefined ? { id: message.id, from: message.from, text } : { id: message.id, from: message.from, fromName: message.fromName, text };
}

/** The quote a reply carries, or its refusal. `target` absent (a state loaded without it) reads as not found. */
export function replyQuote(frame: SendFrame & { replyTo: string }, target: ReplyTarget | undefined, ctx: EventContext): QuotedMessage | Decision {
  if (target?.found !== true) return reject(ctx, frame.id, ErrorCodes.replyOtherConversation, frame.replyTo);
  if (target.deleted) return reject(ctx, frame.id, ErrorCodes.messageDeleted, frame.replyTo);
  return target.quote;
}
