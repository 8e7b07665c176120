import { join } from 'node:path';
import type { DevOidc } from '@parley/dev-oidc';
import type { ComponentName } from './ports.js';

/** How people sign in: `development` (any name, the default) or `oidc` (the local OpenID provider). */
export type StackAuth = 'development' | 'oidc';
export const isStackAuth = (value: unknown): value is StackAuth => value === 'development' || value === 'oidc';

export interface StackOidcOptions {
  /** Access token lifetime; tests shorten it to see the page renew. Default 900 s. */
  accessTokenTtlSeconds?: number;
}

/** The provider's fixed port for `npm start`, overridable like the others. */
export const OIDC_PORT = { port: 7079, variable: 'PARLEY_OIDC_PORT' } as const;

/**
 * Starts packages/dev-oidc in this process for `--auth oidc`: a real OpenID
 * provider whose only client is the page at the gateway's origin. Its keys are
 * kept under `<dataDir>/dev-oidc/` (in memory with --in-memory and in tests).
 */
export async function startStackOidc(options: {
  gatewayPort: number;
  dataDir: string;
  inMemory: boolean;
  ephemeralPorts: boolean;
  processEnv: NodeJS.ProcessEnv;
  settings?: StackOidcOptions;
}): Promise<DevOidc> {
  let port = 0;
  if (!options.ephemeralPorts) {
    const text = options.processEnv[OIDC_PORT.variable];
    port = text ? Number(text) : OIDC_PORT.port;
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${OIDC_PORT.variable} must be a TCP port, got "${text}"`);
  }
  // Loaded only for `--auth oidc`: oidc-provider is large, and on Node 20 it warns on load.
  const { startDevOidc } = await import('@parley/dev-oidc');
  try {
    return await startDevOidc({
      port,
      redirectUris: [`http://localhost:${options.gatewayPort}/`, `http://127.0.0.1:${options.gatewayPort}/`],
      ...(options.inMemory || options.ephemeralPorts ? {} : { keysFile: join(options.dataDir, 'dev-oidc', 'keys.json') }),
      ...(options.settings?.accessTokenTtlSeconds ? { accessTokenTtlSeconds: options.settings.accessTokenTtlSeconds } : {}),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(`port ${port} (the OpenID provider) is already in use on 127.0.0.1: choose another with ${OIDC_PORT.variable}=<port> npm start -- --auth oidc`);
    }
    throw error;
  }
}

/** The gateway's environment for oidc mode against the local provider, merged under a test's own overrides. */
export function withOidcEnv(env: Partial<Record<ComponentName, Record<string, string>>>, idp: DevOidc | undefined): Partial<Record<ComponentName, Record<string, string>>> {
  if (!idp) return env;
  return {
    ...env,
    gateway: {
      AUTH_MODE: 'oidc',
      OIDC_ISSUER: idp.issuer,
      OIDC_JWKS_URL: idp.jwksUrl,
      OIDC_API_AUDIENCE: idp.audience,
      OIDC_REQUIRED_SCOPE: idp.apiScope,
      OIDC_CLIENT_ID: idp.clientId,
      OIDC_SCOPES: idp.scopes,
      OIDC_USER_CLAIM: 'sub',
      OIDC_NAME_CLAIM: 'name',
      ...env.gateway,
    },
  };
}
