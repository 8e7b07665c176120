import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WEBPUBSUB_EVENT_HANDLER_PATH } from '@parley/contracts';
import { containerEnv, materialise } from './container-env.js';
import { k8sDir, type ServiceName } from './layout.js';
import { findOne, firstContainer, render } from './render.js';
import { secretStandIns } from './secret-stand-ins.js';
import { loadServiceConfigs } from './service-config.js';

/**
 * Production runs on Azure Web PubSub, the seed dialect is the
 * local/emulator mode. Each overlay's gateway and notifier must speak the same
 * dialect, and each service's own loadConfig must accept what the manifests
 * give it in both dialects.
 */
const speakers: ServiceName[] = ['gateway', 'notifier'];
const keyStandIn = Buffer.alloc(32, 5).toString('base64');

function overlay(name: 'dev' | 'prod') {
  const objects = render(`overlays/${name}`);
  const envOf = (service: ServiceName) => containerEnv(objects, firstContainer(findOne(objects, 'Deployment', service)));
  const value = (service: ServiceName, variable: string): string | undefined => {
    const source = envOf(service).vars.get(variable);
    return source && (source.kind === 'literal' || source.kind === 'configMap') ? source.value : undefined;
  };
  return { objects, envOf, value };
}

describe('k8s/overlays/prod: Azure Web PubSub with Microsoft Entra ID', () => {
  const { objects, envOf, value } = overlay('prod');

  it('has the gateway and the notifier speak webpubsub to one endpoint, with no key or connection string', () => {
    const endpoints = speakers.map((service) => value(service, 'WEBPUBSUB_ENDPOINT'));
    for (const service of speakers) {
      expect(value(service, 'WEBSOCKET_SERVICE'), service).toBe('webpubsub');
      const names = [...envOf(service).vars.keys()];
      expect(names.filter((n) => /^(SIGNALR_|WEBPUBSUB_CONNECTION_STRING|WEBPUBSUB_ACCESS_KEY|WEBPUBSUB_SECONDARY_KEY)/.test(n)), service).toEqual([]);
    }
    expect(endpoints[0]).toMatch(/^https:\/\/[a-z0-9-]+\.webpubsub\.azure\.com$/);
    expect(endpoints[1]).toBe(endpoints[0]);
  });

  it('protects the event handler with the Entra ID token of the hub, in the tenant users sign in with', () => {
    expect(value('gateway', 'WEBPUBSUB_HANDLER_AUDIENCE')).toMatch(/^(api:\/\/|[0-9a-f-]{36}$)/);
    const tenant = value('gateway', 'AZURE_TENANT_ID');
    expect(tenant).toMatch(/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/);
    expect(value('gateway', 'OIDC_ISSUER')).toBe(`https://login.microsoftonline.com/${tenant}/v2.0`);
  });

  it('routes the public event-handler URL the hub calls to the gateway', () => {
    const ingress = findOne(objects, 'Ingress', 'gateway');
    const rule = ingress.spec.rules[0];
    const served = rule.http.paths.some(
      (p: { path: string; pathType: string; backend: { service: { name: string } } }) =>
        p.backend.service.name === 'gateway' && (p.pathType === 'Prefix' ? WEBPUBSUB_EVENT_HANDLER_PATH.startsWith(p.path) : p.path === WEBPUBSUB_EVENT_HANDLER_PATH),
    );
    expect(served).toBe(true);
    expect(ingress.spec.tls?.[0]?.hosts).toContain(rule.host);
    const readme = readFileSync(path.join(k8sDir, 'README.md'), 'utf8');
    expect(readme).toContain(`url-template="https://$HOST${WEBPUBSUB_EVENT_HANDLER_PATH}"`);
  });

  // One child process for both variants: each load costs a tsx start-up.
  it('loads each service config in the key variant too, and refuses a gateway whose event handler would be unprotected', () => {
    const keyed = speakers.map((service) => {
      const env = materialise(envOf(service), secretStandIns);
      delete env.WEBPUBSUB_ENDPOINT;
      delete env.WEBPUBSUB_HANDLER_AUDIENCE;
      env.WEBPUBSUB_CONNECTION_STRING = `Endpoint=https://parley-prod-wps.webpubsub.azure.com;AccessKey=${keyStandIn};Version=1.0;`;
      return { service, env };
    });
    const open = materialise(envOf('gateway'), secretStandIns);
    delete open.WEBPUBSUB_HANDLER_AUDIENCE;
    expect(loadServiceConfigs([...keyed, { service: 'gateway', env: open }])).toEqual([
      ...speakers.map((service) => ({ service, ok: true })),
      expect.objectContaining({ service: 'gateway', ok: false, variable: 'WEBPUBSUB_HANDLER_AUDIENCE' }),
    ]);
  });
});

describe('k8s/overlays/dev: the seed dialect (local/emulator mode)', () => {
  const { envOf, value } = overlay('dev');

  it('gives the gateway and the notifier the seed connection string from the Secret', () => {
    for (const service of speakers) {
      expect(value(service, 'WEBSOCKET_SERVICE') ?? 'signalr', service).toBe('signalr');
      expect(envOf(service).vars.get('SIGNALR_CONNECTION_STRING'), service).toMatchObject({ kind: 'secret', secret: 'parley-secrets' });
    }
  });
});
