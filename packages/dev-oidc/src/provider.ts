import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { ProviderKeys } from './keys.js';
import { createMemoryAdapterFactory } from './memory-adapter.js';
import type { DevUser } from './users.js';
import { logoutPage, messagePage, PAGE_CSP } from './views.js';

export interface ProviderSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly redirectUris: readonly string[];
  /** The `aud` of access tokens, a resource indicator (absolute URI), e.g. `api://parley`. */
  readonly audience: string;
  /** The resource scope the page asks for besides `openid profile`. */
  readonly apiScope: string;
  readonly accessTokenTtlSeconds: number;
  readonly users: readonly DevUser[];
  readonly keys: ProviderKeys;
}

const originOf = (uri: string) => new URL(uri).origin;

function htmlBody(ctx: KoaContextWithOIDC, html: string): void {
  ctx.type = 'html';
  ctx.set('content-security-policy', PAGE_CSP);
  ctx.body = html;
}

/**
 * oidc-provider configured as a first-party provider for the page: one public
 * client (authorization code + PKCE S256, refresh tokens for silent renewal),
 * JWT access tokens for one API audience, consent implied for that client.
 */
export function createProvider(settings: ProviderSettings): Provider {
  const { users } = settings;
  const allowedOrigins = new Set(settings.redirectUris.map(originOf));
  const resourceServer = {
    scope: settings.apiScope,
    audience: settings.audience,
    accessTokenTTL: settings.accessTokenTtlSeconds,
    accessTokenFormat: 'jwt' as const,
    jwt: { sign: { alg: 'RS256' as const } },
  };

  const configuration: Configuration = {
    adapter: createMemoryAdapterFactory(),
    clients: [
      {
        client_id: settings.clientId,
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [...settings.redirectUris],
        post_logout_redirect_uris: [...settings.redirectUris],
      },
    ],
    jwks: { keys: [settings.keys.signing as never] },
    cookies: { keys: [...settings.keys.cookies] },
    // S256 is the only method oidc-provider accepts; required for every client, not only public ones.
    pkce: { required: () => true },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
    // The ID token carries the profile claims, so the page needs no userinfo call to show the name.
    conformIdTokenClaims: false,
    async findAccount(_ctx, sub) {
      const user = users.find((u) => u.id === sub);
      if (!user) return undefined;
      return { accountId: user.id, claims: async () => ({ sub: user.id, name: user.name, preferred_username: user.username }) };
    },
    // Access tokens carry the same names as Entra ID's, so OIDC_USER_CLAIM can pick either.
    async extraTokenClaims(_ctx, token) {
      const accountId = 'accountId' in token ? token.accountId : undefined;
      const user = users.find((u) => u.id === accountId);
      return user ? { name: user.name, preferred_username: user.username } : undefined;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => settings.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== settings.audience) throw new Error(`unknown resource ${indicator}`);
          return resourceServer;
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => htmlBody(ctx, logoutPage(form)),
        postLogoutSuccessSource: (ctx) => htmlBody(ctx, messagePage('Signed out', 'You are signed out of the local identity provider.')),
      },
    },
    // Refresh tokens without offline_access (which OIDC ties to prompt=consent): the page renews with them.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // The page is first party: its grant is created on sign-in instead of asking for consent.
    async loadExistingGrant(ctx) {
      const { oidc } = ctx;
      if (!oidc.client || !oidc.session?.accountId) return undefined;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session.grantIdFor(oidc.client.clientId);
      if (grantId) {
        const existing = await oidc.provider.Grant.find(grantId);
        if (existing) return existing;
      }
      const grant = new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
      grant.addOIDCScope('openid profile');
      grant.addOIDCClaims(['sub', 'name', 'preferred_username']);
      grant.addResourceScope(settings.audience, settings.apiScope);
      await grant.save();
      return grant;
    },
    clientBasedCORS: (_ctx, origin) => allowedOrigins.has(origin),
    renderError: (ctx, out) => htmlBody(ctx, messagePage('Sign-in error', `${out.error}: ${out.error_description ?? ''}`)),
    ttl: {
      AccessToken: settings.accessTokenTtlSeconds,
      IdToken: settings.accessTokenTtlSeconds,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 8 * 3600,
      Grant: 8 * 3600,
      RefreshToken: 8 * 3600,
    },
  };
  const provider = new Provider(settings.issuer, configuration);
  provider.proxy = false;
  return provider;
}
