import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from '../../rest/http.js';
import type { ErrorCode } from '../../errors.js';
import type { HubRegistry } from '../../groups.js';
import type { HubConnection } from '../../hub-connection.js';

export interface WpsRestContext {
  readonly registry: HubRegistry<HubConnection>;
  readonly maxBodyBytes: number;
  readonly accessKeys: readonly string[];
}

/** One matched request: the hub, the names taken from the path, and the query. */
export interface WpsRequest {
  readonly ctx: WpsRestContext;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly hub: string;
  readonly args: readonly string[];
  readonly query: URLSearchParams;
}

export type WpsHandler = (r: WpsRequest) => Promise<void> | void;

/** Web PubSub errors: `{code, message}` and the code again in `x-ms-error-code`. */
export function wpsError(res: ServerResponse, status: number, code: ErrorCode, message: string): void {
  sendError(res, status, code, message, { 'x-ms-error-code': code });
}
