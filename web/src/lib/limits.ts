/** The protocol's limits, checked before sending so the user hears about them at once. */
export const MAX_TEXT_CHARS = 4000;
export const MAX_NAME_CHARS = 64;

export function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export function checkText(text: string): string | undefined {
  if (text.trim().length === 0) return 'Write something first.';
  const n = codePoints(text);
  if (n > MAX_TEXT_CHARS) return `Too long: ${n} of at most ${MAX_TEXT_CHARS} characters.`;
  return undefined;
}

// Names travel into URLs and table keys: no control characters (as the contracts say).
const CONTROL = /[\u0000-\u001f\u007f]/;

export function checkName(name: string, what: 'room' | 'user' | 'name'): string | undefined {
  if (name.length === 0) return `Enter a ${what} name.`;
  if (name.length > MAX_NAME_CHARS) return `A ${what} name has at most ${MAX_NAME_CHARS} characters.`;
  if (CONTROL.test(name)) return `A ${what} name cannot hold control characters.`;
  return undefined;
}

/**
 * User names as the gateway accepts them: 1 to 64 printable ASCII characters
 * without outer spaces. Checked before navigating, so the form can say why.
 */
export function checkUserName(name: string): string | undefined {
  if (name.length === 0) return 'Enter a name.';
  if (name.length > MAX_NAME_CHARS) return `A name has at most ${MAX_NAME_CHARS} characters.`;
  if (!/^[\x20-\x7e]+$/.test(name)) return 'Use letters, digits, spaces and punctuation from plain ASCII.';
  if (name.trim() !== name) return 'A name cannot start or end with a space.';
  return undefined;
}
