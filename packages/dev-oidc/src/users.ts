import { timingSafeEqual } from 'node:crypto';

/** A person who can sign in at the local provider. */
export interface DevUser {
  /** The `sub` claim: stable, and what the gateway uses as the user id by default (OIDC_USER_CLAIM=sub). */
  readonly id: string;
  /** The `name` claim, shown by the page next to the connection state. */
  readonly name: string;
  /** The `preferred_username` claim (OIDC_USER_CLAIM=preferred_username picks it instead of `sub`). */
  readonly username: string;
  readonly password: string;
}

/**
 * The local users. Development only: the password of each is printed by
 * `npm start -- --auth oidc` and written in packages/dev-oidc/README.md.
 */
export const DEV_USERS: readonly DevUser[] = Object.freeze([
  { id: 'alice', name: 'Alice Liddell', username: 'alice@parley.local', password: 'alice-pw' },
  { id: 'bob', name: 'Bob Marley', username: 'bob@parley.local', password: 'bob-pw' },
  { id: 'carol', name: 'Carol Danvers', username: 'carol@parley.local', password: 'carol-pw' },
  { id: 'dave', name: 'Dave Brubeck', username: 'dave@parley.local', password: 'dave-pw' },
]);

/** The user whose login (id or preferred username) and password match, compared in constant time. */
export function checkLogin(users: readonly DevUser[], login: string, password: string): DevUser | undefined {
  const user = users.find((u) => u.id === login.trim() || u.username === login.trim());
  if (!user) return undefined;
  const given = Buffer.from(password);
  const expected = Buffer.from(user.password);
  return given.length === expected.length && timingSafeEqual(given, expected) ? user : undefined;
}
