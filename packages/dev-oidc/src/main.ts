import { startDevOidc } from './server.js';

/**
 * `parley-dev-oidc`: the local provider on its own, configured by environment
 * (npm start -- --auth oidc runs it inside the stack instead). Logs pino-shaped
 * JSON lines, the first being `ready` with the issuer.
 */
const env = process.env;
const line = (fields: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ time: Date.now(), name: 'dev-oidc', ...fields })}\n`);
const fail = (variable: string, message: string): never => {
  line({ level: 60, msg: message, variable, code: 'PARLEY_DEV_OIDC_CONFIG_INVALID' });
  process.exit(1);
};

const port = Number(env.PORT ?? 7079);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail('PORT', `PORT must be a TCP port, got "${env.PORT}"`);
const redirectUris = (env.OIDC_REDIRECT_URIS ?? 'http://localhost:7071/,http://127.0.0.1:7071/').split(',').map((u) => u.trim()).filter(Boolean);
for (const uri of redirectUris) if (!URL.canParse(uri)) fail('OIDC_REDIRECT_URIS', `not a URL: "${uri}"`);
const ttl = Number(env.ACCESS_TOKEN_TTL_SECONDS ?? 900);
if (!Number.isInteger(ttl) || ttl < 10) fail('ACCESS_TOKEN_TTL_SECONDS', 'ACCESS_TOKEN_TTL_SECONDS must be an integer of at least 10');

const idp = await startDevOidc({
  host: env.HOST ?? '127.0.0.1',
  port,
  redirectUris,
  accessTokenTtlSeconds: ttl,
  ...(env.OIDC_CLIENT_ID ? { clientId: env.OIDC_CLIENT_ID } : {}),
  ...(env.OIDC_AUDIENCE ? { audience: env.OIDC_AUDIENCE } : {}),
  ...(env.OIDC_KEYS_FILE ? { keysFile: env.OIDC_KEYS_FILE } : {}),
  log: (fields) => line(fields),
});
line({ level: 30, msg: 'ready', issuer: idp.issuer, clientId: idp.clientId, audience: idp.audience, scopes: idp.scopes, users: idp.users.map((u) => u.id) });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void idp.close().then(() => process.exit(0)));
