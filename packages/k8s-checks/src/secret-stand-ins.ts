/**
 * Well-formed stand-ins for the keys of the Secret parley-secrets, so that the
 * services' config loaders can be run on what the manifests supply. A new
 * secret key in the manifests needs a stand-in here (the checks say so).
 */
export const secretStandIns: Record<string, string> = {
  'signalr-connection-string': `Endpoint=https://parley-stand-in.service.signalr.net;AccessKey=${Buffer.alloc(32, 7).toString('base64')};Version=1.0;`,
  'signalr-secondary-key': Buffer.alloc(32, 9).toString('base64'),
  'token-signing-key': 'stand-in-token-signing-key-of-48-characters-00000'.slice(0, 48),
};
