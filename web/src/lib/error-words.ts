import { shortTime } from './format.js';

/**
 * What a refused frame means, in words for the person who did it. The server's
 * message is precise but written for developers; the code is the contract
 * (packages/contracts ErrorCodes), so the page words each code it knows and
 * falls back to the server's message for any other.
 */
const WORDS: Readonly<Record<string, string>> = {
  PARLEY_FRAME_UNKNOWN_TYPE: 'the server does not support this yet',
  PARLEY_RATE_LIMITED: 'too many actions at once; try again in a moment',
  PARLEY_TEXT_EMPTY: 'the text is empty',
  PARLEY_TEXT_TOO_LONG: 'the text is too long',
  PARLEY_NOT_MEMBER: 'you are not a member of this room',
  PARLEY_UNKNOWN_ROOM: 'there is no such room',
  PARLEY_UNKNOWN_USER: 'there is no such person',
  PARLEY_ROOM_PRIVATE: 'the room is private',
  PARLEY_UNKNOWN_MESSAGE: 'that message is not here (it may predate edits and reactions)',
  PARLEY_NOT_AUTHOR: 'only its author (or, in a room, the owner or a moderator) may do that',
  PARLEY_MESSAGE_DELETED: 'that message was deleted',
  PARLEY_UNKNOWN_EMOJI: 'that reaction is not one of the offered emoji',
  PARLEY_TOO_MANY_REACTIONS: 'that message has as many different reactions as it can hold',
  PARLEY_REPLY_OTHER_CONVERSATION: 'a reply must answer a message of the same conversation',
  PARLEY_TYPING_THROTTLED: 'typing notices are sent too often',
  PARLEY_TYPING_UNAVAILABLE: 'the typing notice could not be shown just now',
  PARLEY_NOT_MODERATOR: 'only the room’s owner or a moderator may do that',
  PARLEY_TARGET_IS_OWNER: 'the room’s owner cannot be changed, removed, banned or muted',
  PARLEY_BANNED: 'you are banned from this room',
  PARLEY_ALREADY_MEMBER: 'they are already a member',
};

export interface CodedProblem {
  readonly code?: string;
  readonly message: string;
}

const ISO_TIME = /\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)/;

/** "only its author … may do that" — the words for a code, else the server's message. */
export function inWords(problem: CodedProblem, locale?: string): string {
  if (problem.code === 'PARLEY_MUTED') {
    // The server's message names the end of the mute as an ISO time; the reader wants a clock time.
    const until = ISO_TIME.exec(problem.message)?.[0];
    return until ? `you are muted here until ${shortTime(until, locale)}` : 'you are muted here';
  }
  return (problem.code !== undefined && Object.hasOwn(WORDS, problem.code) ? WORDS[problem.code] : undefined) ?? problem.message;
}
