import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { DevOidcError, DevOidcErrorCodes } from './errors.js';

/** What the provider signs with: one RS256 key (tokens) and the cookie keys. */
export interface ProviderKeys {
  readonly signing: JWK;
  readonly cookies: readonly string[];
}

async function generate(): Promise<ProviderKeys> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { signing: { ...jwk, kid: randomUUID(), alg: 'RS256', use: 'sig' }, cookies: [randomBytes(32).toString('base64url')] };
}

/**
 * The keys in `file`, generated and written (mode 0600) on first start so that
 * tokens and sessions survive a restart of `npm start`; in memory when no file
 * is given (tests).
 */
export async function loadOrCreateKeys(file: string | undefined): Promise<ProviderKeys> {
  if (!file) return generate();
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new DevOidcError(DevOidcErrorCodes.keysUnreadable, `cannot read ${file}: ${String(error)}`, { cause: error });
    }
  }
  if (text !== undefined) {
    try {
      const parsed = JSON.parse(text) as ProviderKeys;
      if (parsed.signing?.kty !== 'RSA' || !parsed.signing.d || !Array.isArray(parsed.cookies) || parsed.cookies.length === 0) throw new Error('not a key file');
      return parsed;
    } catch (error) {
      throw new DevOidcError(DevOidcErrorCodes.keysUnreadable, `${file} is not a dev-oidc key file (delete it to generate new keys): ${String(error)}`, { cause: error });
    }
  }
  const keys = await generate();
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return keys;
}
