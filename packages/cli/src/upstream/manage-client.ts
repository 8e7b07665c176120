import { SignJWT } from 'jose';
import type { WebSocketServiceConnection } from '@parley/contracts';
import { CliError, CliErrorCodes } from '../errors.js';
import { urlTarget, withService, type Target } from '../reach.js';
import { parseSettings, type UpstreamSettings } from './templates.js';

export const MANAGE_PATH = '/manage/v1/ws/upstream';
const TOKEN_TTL_SECONDS = 300;
export const REQUEST_TIMEOUT_MS = 10_000;

/** Bearer token for the manage API: HS256 with the access key, `aud` = endpoint without port + path. */
export async function manageToken(connection: WebSocketServiceConnection, nowSeconds = Math.floor(Date.now() / 1000), path = MANAGE_PATH): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setAudience(`${connection.endpoint}${path}`)
    .setIssuedAt(nowSeconds)
    .setExpirationTime(nowSeconds + TOKEN_TTL_SECONDS)
    .sign(new TextEncoder().encode(connection.accessKey));
}

/** `GET` reads the upstream templates, `POST` replaces them atomically. */
export class UpstreamClient {
  readonly url: string;
  readonly target: Target;

  constructor(
    private readonly connection: WebSocketServiceConnection,
    private readonly timeoutMs = REQUEST_TIMEOUT_MS,
    /** The manage route: the seed upstream templates, or the Web PubSub event handlers (event-handlers.ts). */
    private readonly path = MANAGE_PATH,
  ) {
    this.url = `${connection.baseUrl}${path}`;
    this.target = urlTarget('SignalR service', connection.baseUrl);
  }

  async get(): Promise<UpstreamSettings> {
    const body = await this.call('GET', 'read the upstream settings');
    const parsed = parseSettings(body, this.url);
    if (!parsed.ok) throw new CliError(CliErrorCodes.serviceFailed, `SignalR service at ${this.url} answered settings that are not {"templates":[…]}: ${parsed.reason}`);
    return parsed.settings;
  }

  async set(settings: UpstreamSettings): Promise<unknown> {
    return this.call('POST', 'replace the upstream settings', settings);
  }

  protected async call(method: 'GET' | 'POST' | 'PUT', action: string, body?: unknown): Promise<unknown> {
    const response = await withService(this.target, action, async () => {
      const headers: Record<string, string> = { authorization: `Bearer ${await manageToken(this.connection, undefined, this.path)}`, accept: 'application/json' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      try {
        return await fetch(this.url, {
          method,
          headers,
          signal: AbortSignal.timeout(this.timeoutMs),
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
      } catch (error) {
        if ((error as Error).name === 'TimeoutError') {
          throw new CliError(CliErrorCodes.serviceUnreachable, `SignalR service unreachable at ${this.url} (no answer within ${this.timeoutMs / 1000} s)`);
        }
        throw error;
      }
    });
    const text = await response.text();
    if (response.ok) return text ? parseJsonOr(text) : undefined;
    const reason = errorReason(text);
    switch (response.status) {
      case 400:
        throw new CliError(CliErrorCodes.inputInvalid, `SignalR service refused the settings: ${reason}`);
      case 401:
      case 403:
        throw new CliError(CliErrorCodes.serviceFailed, `SignalR service at ${this.url} refused the access key (${response.status}): ${reason}`);
      case 404:
        throw new CliError(CliErrorCodes.serviceFailed, `SignalR service at ${this.url} has no upstream management endpoint (404)`);
      default:
        throw new CliError(CliErrorCodes.serviceFailed, `SignalR service at ${this.url} could not ${action} (${response.status}): ${reason}`);
    }
  }
}

function parseJsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The emulator answers `{code, message}`; anything else is shown as it came, shortened. */
function errorReason(text: string): string {
  const parsed = parseJsonOr(text);
  if (parsed && typeof parsed === 'object') {
    const { code, message, error } = parsed as { code?: unknown; message?: unknown; error?: unknown };
    const nested = error && typeof error === 'object' ? (error as { message?: unknown }).message : error;
    const text = typeof message === 'string' ? message : typeof nested === 'string' ? nested : undefined;
    if (text) return typeof code === 'string' ? `${text} [${code}]` : text;
  }
  return text.trim().slice(0, 300) || '(empty answer)';
}
