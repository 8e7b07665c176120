import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, signatureHeader, type WebPubSubEventContext } from '@parley/contracts';
import { GatewayErrorCodes } from '../../errors.js';
import { HANDLER_AUDIENCE, HUB_OBJECT_ID, OTHER_OBJECT_ID, startLocalEntraIssuer, TEST_ISSUER, type LocalEntraIssuer } from '../../testing/entra-issuer.js';
import { createHandlerCheck } from './handler-auth.js';

const context = (signature?: string): WebPubSubEventContext => ({
  kind: 'user',
  eventName: 'message',
  hub: 'chat',
  connectionId: 'c1',
  userId: 'alice',
  ...(signature ? { signature } : {}),
});

describe('signature check (a key is known)', () => {
  const check = createHandlerCheck({ kind: 'signature' }, ['primary-key', 'secondary-key']);
  it('passes a value of either key and refuses a missing or foreign one', async () => {
    await expect(check(context(signatureHeader('c1', ['primary-key'])), undefined)).resolves.toBeUndefined();
    await expect(check(context(signatureHeader('c1', ['old', 'secondary-key'])), undefined)).resolves.toBeUndefined();
    await expect(check(context(), undefined)).rejects.toMatchObject({ code: ErrorCodes.signatureMissing, statusCode: 401 });
    await expect(check(context(signatureHeader('c2', ['primary-key'])), undefined)).rejects.toMatchObject({ code: ErrorCodes.signatureInvalid });
  });
});

/** The hub's managed-identity token, checked against a JWKS served over real HTTP (as Entra ID serves it). */
describe('Entra ID bearer check (no key known)', () => {
  let issuer: LocalEntraIssuer;
  beforeAll(async () => {
    issuer = await startLocalEntraIssuer();
  });
  afterAll(() => issuer.close());

  const entra = (caller: { allowedObjectIds?: string[]; requiredRole?: string }, jwksUrl = issuer.jwksUrl) =>
    createHandlerCheck({ kind: 'entra', audience: HANDLER_AUDIENCE, issuers: [TEST_ISSUER], jwksUrl, allowedObjectIds: caller.allowedObjectIds ?? [], ...(caller.requiredRole ? { requiredRole: caller.requiredRole } : {}) }, []);
  const refused = (message: RegExp | string) => ({ code: GatewayErrorCodes.handlerUnauthorized, statusCode: 401, message: expect.stringMatching(message) });

  it('passes the hub identity\'s token and refuses a missing token, another audience, issuer or key', async () => {
    const check = entra({ allowedObjectIds: [HUB_OBJECT_ID] });
    await expect(check(context(), `Bearer ${await issuer.token()}`)).resolves.toBeUndefined();
    await expect(check(context(), undefined)).rejects.toMatchObject(refused(/bearer token/));
    await expect(check(context(), `Bearer ${await issuer.token({ claims: { aud: 'api://other' } })}`)).rejects.toMatchObject(refused('"aud"'));
    await expect(check(context(), `Bearer ${await issuer.token({ claims: { iss: 'https://sts.windows.net/44444444-4444-4444-4444-444444444444/' } })}`)).rejects.toMatchObject(refused('"iss"'));
    await expect(check(context(), `Bearer ${await issuer.token({ claims: { exp: Math.floor(Date.now() / 1000) - 60 } })}`)).rejects.toMatchObject(refused('expired'));
    await expect(check(context(), `Bearer ${await issuer.token({ signing: 'foreign-key' })}`)).rejects.toMatchObject(refused('signature'));
  });

  it('refuses RS256 only: an unsecured token and an HS256 one keyed with the public key', async () => {
    const check = entra({ allowedObjectIds: [HUB_OBJECT_ID] });
    await expect(check(context(), `Bearer ${await issuer.token({ signing: 'none' })}`)).rejects.toMatchObject(refused('algorithm is not allowed'));
    await expect(check(context(), `Bearer ${await issuer.token({ signing: 'hs256-public-key' })}`)).rejects.toMatchObject(refused('algorithm is not allowed'));
  });

  it('names the caller: another principal of the tenant is refused by object id or by app role', async () => {
    const byId = entra({ allowedObjectIds: [HUB_OBJECT_ID] });
    await expect(byId(context(), `Bearer ${await issuer.token({ claims: { oid: OTHER_OBJECT_ID } })}`)).rejects.toMatchObject(refused('object id not allowed'));
    await expect(byId(context(), `Bearer ${await issuer.token({ claims: { oid: undefined } })}`)).rejects.toMatchObject(refused('"oid" is missing'));
    // Entra ID may spell the GUID in upper case; the allow-list compares case-insensitively.
    await expect(byId(context(), `Bearer ${await issuer.token({ claims: { oid: HUB_OBJECT_ID.toUpperCase() } })}`)).resolves.toBeUndefined();

    const byRole = entra({ requiredRole: 'Parley.EventHandler' });
    await expect(byRole(context(), `Bearer ${await issuer.token({ claims: { roles: ['Parley.EventHandler'] } })}`)).resolves.toBeUndefined();
    await expect(byRole(context(), `Bearer ${await issuer.token({ claims: { oid: OTHER_OBJECT_ID, roles: ['Other.Role'] } })}`)).rejects.toMatchObject(refused('app role'));
    await expect(byRole(context(), `Bearer ${await issuer.token({ claims: { oid: OTHER_OBJECT_ID } })}`)).rejects.toMatchObject(refused('app role'));

    const both = entra({ allowedObjectIds: [HUB_OBJECT_ID], requiredRole: 'Parley.EventHandler' });
    await expect(both(context(), `Bearer ${await issuer.token({ claims: { roles: ['Parley.EventHandler'] } })}`)).resolves.toBeUndefined();
    await expect(both(context(), `Bearer ${await issuer.token()}`)).rejects.toMatchObject(refused('app role'));
    await expect(both(context(), `Bearer ${await issuer.token({ claims: { oid: OTHER_OBJECT_ID, roles: ['Parley.EventHandler'] } })}`)).rejects.toMatchObject(refused('object id'));
  });

  it('answers 503 when the tenant keys cannot be fetched', async () => {
    const check = entra({ allowedObjectIds: [HUB_OBJECT_ID] }, 'http://127.0.0.1:1/keys');
    await expect(check(context(), `Bearer ${await issuer.token()}`)).rejects.toMatchObject({ code: GatewayErrorCodes.jwksUnavailable, statusCode: 503 });
  });
});
