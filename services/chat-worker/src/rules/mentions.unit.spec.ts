import { describe, expect, it } from 'vitest';
import { extractMentions, mayMention } from './mentions.js';

const directory = {
  members: ['alice', 'bob', 'bobby', '3f2a-c0de', 'ann'],
  names: new Map([
    ['3f2a-c0de', 'Carol Smith'],
    ['ann', 'Ann'],
    ['bobby', 'Ann Lee'],
  ]),
};

describe('mentions', () => {
  it('given a text without @, when checked, then it cannot mention anyone (no member read)', () => {
    expect(mayMention('hello bob')).toBe(false);
    expect(extractMentions('hello bob', directory)).toEqual([]);
  });

  it('given @id tokens of members, then those members are mentioned once each, in order', () => {
    expect(extractMentions('@bob and @alice, then @bob again', directory)).toEqual(['bob', 'alice']);
  });

  it('given @display name (with spaces, any case), then its member is mentioned', () => {
    expect(extractMentions('thanks @carol smith!', directory)).toEqual(['3f2a-c0de']);
  });

  it('given two members that fit at one @, then the longest fit wins', () => {
    expect(extractMentions('@Ann Lee is here', directory)).toEqual(['bobby']);
    expect(extractMentions('@Ann is here', directory)).toEqual(['ann']);
    expect(extractMentions('@bobby?', directory)).toEqual(['bobby']);
  });

  it('given a token running on into a word, or an @ inside a word, then nobody is mentioned', () => {
    expect(extractMentions('@bobcat and mail bob@example.com', directory)).toEqual([]);
    expect(extractMentions('@alice_x', directory)).toEqual([]);
  });

  it('given punctuation or the end right after the token, then it counts', () => {
    expect(extractMentions('(@alice) @bob.', directory)).toEqual(['alice', 'bob']);
    expect(extractMentions('hi @alice', directory)).toEqual(['alice']);
  });

  it('given a name of someone who is not a member, then nobody is mentioned', () => {
    expect(extractMentions('@mallory @', directory)).toEqual([]);
  });
});
