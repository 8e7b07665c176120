import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { importJWK, SignJWT, type JWTPayload } from 'jose';
import type Provider from 'oidc-provider';
import { DevOidcError, DevOidcErrorCodes } from './errors.js';
import { loadOrCreateKeys, type ProviderKeys } from './keys.js';
import { createProvider } from './provider.js';
import { checkLogin, DEV_USERS, type DevUser } from './users.js';
import { loginPage, PAGE_CSP, STYLESHEET, STYLESHEET_PATH } from './views.js';

export interface DevOidcOptions {
  readonly host?: string;
  /** 0 (default): an ephemeral port. */
  readonly port?: number;
  readonly clientId?: string;
  /** Where the provider may send the browser back (the page's origin + `/`). */
  readonly redirectUris: readonly string[];
  readonly audience?: string;
  readonly apiScope?: string;
  readonly accessTokenTtlSeconds?: number;
  /** Where the keys are kept across restarts; in memory when absent. */
  readonly keysFile?: string;
  readonly users?: readonly DevUser[];
  /** One line per sign-in and per error, for the stack's log. */
  readonly log?: (line: Record<string, unknown>) => void;
}

export interface MintOptions {
  readonly sub: string;
  readonly audience?: string;
  readonly issuer?: string;
  /** Negative: already expired. */
  readonly expiresInSeconds?: number;
  readonly claims?: Record<string, unknown>;
}

export interface DevOidc {
  readonly issuer: string;
  readonly port: number;
  readonly clientId: string;
  readonly audience: string;
  /** The API's scope, carried in every access token's `scope` claim (the gateway's OIDC_REQUIRED_SCOPE). */
  readonly apiScope: string;
  /** What the page asks for: `openid profile <apiScope>`. */
  readonly scopes: string;
  readonly jwksUrl: string;
  readonly users: readonly DevUser[];
  /**
   * A token signed with this provider's key but with claims of the caller's
   * choosing (another audience, an expiry in the past): for tests that show
   * the gateway refuses what the provider itself would never issue.
   */
  mint(options: MintOptions): Promise<string>;
  close(): Promise<void>;
}

export const DEFAULT_CLIENT_ID = 'parley-web';
export const DEFAULT_AUDIENCE = 'api://parley';
export const DEFAULT_API_SCOPE = 'chat';

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 8192) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': PAGE_CSP, 'cache-control': 'no-store' }).end(html);
}

/** GET/POST /interaction/:uid[/login]: the login page and its form. */
async function interaction(provider: Provider, users: readonly DevUser[], req: IncomingMessage, res: ServerResponse, log: DevOidcOptions['log']): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  const clientId = String(details.params.client_id ?? '');
  const userNames = users.map((u) => u.id);
  if (req.method === 'GET') {
    sendHtml(res, 200, loginPage({ uid: details.uid, clientId, users: userNames }));
    return;
  }
  const form = await readForm(req);
  const login = form.get('login') ?? '';
  const user = checkLogin(users, login, form.get('password') ?? '');
  if (!user) {
    log?.({ level: 40, msg: 'sign-in refused', login: login.slice(0, 64) });
    sendHtml(res, 401, loginPage({ uid: details.uid, clientId, login, users: userNames, error: 'Unknown user or wrong password.' }));
    return;
  }
  log?.({ level: 30, msg: 'signed in', userId: user.id, clientId });
  await provider.interactionFinished(req, res, { login: { accountId: user.id } }, { mergeWithLastSubmission: false });
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** Starts the local OpenID provider; resolves once it listens. */
export async function startDevOidc(options: DevOidcOptions): Promise<DevOidc> {
  if (options.redirectUris.length === 0) throw new DevOidcError(DevOidcErrorCodes.configInvalid, 'at least one redirect URI is required');
  const host = options.host ?? '127.0.0.1';
  const keys: ProviderKeys = await loadOrCreateKeys(options.keysFile);
  const users = options.users ?? DEV_USERS;
  const clientId = options.clientId ?? DEFAULT_CLIENT_ID;
  const audience = options.audience ?? DEFAULT_AUDIENCE;
  const apiScope = options.apiScope ?? DEFAULT_API_SCOPE;
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(503).end();
  const server = createServer((req, res) => handle(req, res));
  const port = await listen(server, host, options.port ?? 0);
  const issuer = `http://${host}:${port}`;
  const provider = createProvider({
    issuer,
    clientId,
    redirectUris: options.redirectUris,
    audience,
    apiScope,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 900,
    users,
    keys,
  });
  provider.on('server_error', (_ctx, error) => options.log?.({ level: 50, msg: 'provider error', err: String(error) }));
  const callback = provider.callback();
  handle = (req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    if (path === STYLESHEET_PATH) {
      res.writeHead(200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=300' }).end(STYLESHEET);
      return;
    }
    if (/^\/interaction\/[\w-]+(\/login)?$/.test(path) && (req.method === 'GET' || (req.method === 'POST' && path.endsWith('/login')))) {
      interaction(provider, users, req, res, options.log).catch((error: unknown) => {
        options.log?.({ level: 40, msg: 'interaction failed', err: String(error) });
        if (!res.headersSent) sendHtml(res, 400, '<!doctype html><title>Sign-in expired</title><p>This sign-in has expired. Go back to the page and sign in again.</p>');
      });
      return;
    }
    // oidc-provider's Koa handler answers its own errors; its promise carries nothing more.
    void callback(req, res);
  };

  const signingKey = await importJWK(keys.signing, 'RS256');
  return {
    issuer,
    port,
    clientId,
    audience,
    apiScope,
    scopes: `openid profile ${apiScope}`,
    jwksUrl: `${issuer}/jwks`,
    users,
    async mint(mint) {
      const now = Math.floor(Date.now() / 1000);
      const payload: JWTPayload = { ...mint.claims, client_id: clientId, scope: apiScope };
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid: keys.signing.kid as string, typ: 'at+jwt' })
        .setIssuer(mint.issuer ?? issuer)
        .setAudience(mint.audience ?? audience)
        .setSubject(mint.sub)
        .setIssuedAt(now - 5)
        .setExpirationTime(now + (mint.expiresInSeconds ?? 300))
        .sign(signingKey);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
