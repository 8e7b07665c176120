import { describe, expect, it } from 'vitest';
import { jsonNamesUser, namesUser } from './names-user.js';

describe('namesUser', () => {
  it('given the user in a user field at any depth, then it names them', () => {
    expect(namesUser({ metadata: { userId: 'alice' } }, 'alice')).toBe(true);
    expect(namesUser({ data: { frame: { type: 'send', to: 'alice', text: 'hi' } } }, 'alice')).toBe(true);
    expect(namesUser({ data: { frame: { type: 'invite', room: 'dev', user: 'alice' } } }, 'alice')).toBe(true);
    expect(namesUser({ data: { frame: { type: 'history', with: 'alice' } } }, 'alice')).toBe(true);
    expect(namesUser([{ frame: { from: 'alice' } }], 'alice')).toBe(true);
  });

  it('given the name only as text, a room or a prefix of another user, then it does not', () => {
    expect(namesUser({ metadata: { userId: 'carol' }, data: { frame: { type: 'send', room: 'alice', text: 'alice' } } }, 'alice')).toBe(false);
    expect(namesUser({ metadata: { userId: 'alice2' } }, 'alice')).toBe(false);
    expect(namesUser('alice', 'alice')).toBe(false);
  });

  it('given JSON text, then it is parsed; text that is not JSON names nobody', () => {
    expect(jsonNamesUser('{"metadata":{"userId":"alice"}}', 'alice')).toBe(true);
    expect(jsonNamesUser('not json alice', 'alice')).toBe(false);
  });
});
