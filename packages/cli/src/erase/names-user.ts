/**
 * The fields through which a stored event, row or bus message names a user: the sender
 * (`userId`, `from`), a direct message's recipient (`to`), an invitee (`user`), a history
 * partner (`with`), an inviter (`by`), a room's creator (`createdBy`). Free text (`text`) and
 * room names are not user ids: a message that merely says "alice" is not alice's data.
 */
const USER_FIELDS = new Set(['userId', 'from', 'to', 'user', 'with', 'by', 'createdBy']);

/** Whether a JSON value (an envelope, a notifier command, a dead-lettered body) names the user in one of those fields, at any depth. */
export function namesUser(value: unknown, user: string): boolean {
  if (Array.isArray(value)) return value.some((item) => namesUser(item, user));
  if (value === null || typeof value !== 'object') return false;
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    if (USER_FIELDS.has(key) && field === user) return true;
    if (typeof field === 'object' && namesUser(field, user)) return true;
  }
  return false;
}

/** A JSON text that names the user; text that is not JSON names nobody. */
export function jsonNamesUser(text: unknown, user: string): boolean {
  if (typeof text !== 'string') return namesUser(text, user);
  try {
    return namesUser(JSON.parse(text) as unknown, user);
  } catch {
    return false;
  }
}
