import { checkUserName } from './limits.js';

/** The signed-in name from the page's own query string (`/api/home?name=alice`), if any. */
export function readName(search: string): string | undefined {
  const name = new URLSearchParams(search).get('name')?.trim();
  if (!name || checkUserName(name)) return undefined;
  return name;
}

/** Where the sign-in form sends the browser: the gateway serves the page signed in. */
export function homeUrl(name: string): string {
  return `/api/home?name=${encodeURIComponent(name.trim())}`;
}
