import { DefaultAzureCredential } from '@azure/identity';
import { WEBPUBSUB_ENTRA_SCOPE } from '@parley/contracts';

/** Renewed this long before it expires, so no call carries a token that lapses in flight. */
const REFRESH_BEFORE_MS = 5 * 60_000;

interface AccessToken {
  readonly token: string;
  readonly expiresOnTimestamp: number;
}
interface TokenSource {
  getToken(scope: string): Promise<AccessToken | null>;
}

/**
 * Microsoft Entra ID bearer tokens for the Web PubSub data plane (scope
 * `https://webpubsub.azure.com/.default`, role "Web PubSub Service Owner"):
 * DefaultAzureCredential, i.e. workload identity on AKS. One token serves every
 * URL (the audience is the scope, not the URL); it is kept until 5 minutes
 * before it expires, and concurrent callers share one refresh.
 */
export function entraBearer(credential: TokenSource = new DefaultAzureCredential(), now: () => number = Date.now): () => Promise<string> {
  let current: AccessToken | undefined;
  let pending: Promise<AccessToken> | undefined;
  const refresh = async (): Promise<AccessToken> => {
    const token = await credential.getToken(WEBPUBSUB_ENTRA_SCOPE);
    if (!token) throw new Error(`no Microsoft Entra ID token for ${WEBPUBSUB_ENTRA_SCOPE}`);
    current = token;
    return token;
  };
  return async () => {
    if (current && current.expiresOnTimestamp - REFRESH_BEFORE_MS > now()) return current.token;
    pending ??= refresh().finally(() => (pending = undefined));
    return (await pending).token;
  };
}
