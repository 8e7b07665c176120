import { describe, expect, it } from 'vitest';
import { WEBPUBSUB_EVENT_HANDLER_PATH } from '@parley/contracts';
import { containerEnv } from './container-env.js';
import { internalIngressClasses } from './ingress-controller.js';
import { opsPortOf, overlays, services } from './layout.js';
import { asString, findOne, ofKind, render, type K8sObject } from './render.js';
import { routePaths } from './service-sources.js';

/**
 * The edge: what the Ingress exposes is public-only, operations
 * endpoints sit on a port nothing routes to, and development sign-in (anyone
 * is anyone) exists only where the dev overlay turns it on.
 */

/** Paths the public may reach, by what they are. */
const PUBLIC = new Map<string, string>([
  ['/', 'the page (and the OpenID Connect redirect URI)'],
  ['/assets', "the page's scripts and styles"],
  ['/api/config', 'the sign-in settings'],
  ['/api/negotiate', 'negotiate'],
  ['/api/messages', 'the seed upstream'],
  [WEBPUBSUB_EVENT_HANDLER_PATH, 'the Web PubSub event handler'],
]);
/** Development sign-in's page: only the dev overlay may route it. */
const DEVELOPMENT_ONLY = '/api/home';
/** Never public, whatever the overlay. */
const PRIVATE = ['/healthz', '/readyz', '/metrics', '/internal', '/api/internal'];

interface IngressPath {
  readonly path: string;
  readonly pathType: string;
  readonly backend: K8sObject;
}

/** Whether an Ingress path rule sends `request` to its backend (Exact, Prefix by path segment; anything else counts as a prefix). */
export function routes(rule: Pick<IngressPath, 'path' | 'pathType'>, request: string): boolean {
  if (rule.pathType === 'Exact') return rule.path === request;
  const prefix = rule.path.replace(/\/+$/, '');
  return prefix === '' || request === prefix || request.startsWith(`${prefix}/`);
}

const ingressPaths = (objects: K8sObject[]): IngressPath[] =>
  ofKind(objects, 'Ingress').flatMap((ingress) => (ingress.spec.rules ?? []).flatMap((rule: K8sObject) => rule.http?.paths ?? []));

/** Every literal setting of AUTH_MODE in a render: ConfigMap data and container env. */
function authModes(objects: K8sObject[]): string[] {
  const fromConfigMaps = ofKind(objects, 'ConfigMap').flatMap((c) => (c.data?.AUTH_MODE ? [c.data.AUTH_MODE as string] : []));
  const fromEnv = ofKind(objects, 'Deployment').flatMap((d) =>
    d.spec.template.spec.containers.flatMap((c: K8sObject) => (c.env ?? []).filter((e: K8sObject) => e.name === 'AUTH_MODE').map((e: K8sObject) => String(e.value))),
  );
  return [...fromConfigMaps, ...fromEnv];
}

describe('the Ingress path rule matcher', () => {
  it('matches as the Ingress spec says', () => {
    expect(routes({ path: '/', pathType: 'Prefix' }, '/metrics')).toBe(true);
    expect(routes({ path: '/', pathType: 'Exact' }, '/metrics')).toBe(false);
    expect(routes({ path: '/assets', pathType: 'Prefix' }, '/assets/index.js')).toBe(true);
    expect(routes({ path: '/assets', pathType: 'Prefix' }, '/assetsx')).toBe(false);
    expect(routes({ path: '/api', pathType: 'ImplementationSpecific' }, '/api/home')).toBe(true);
  });
});

describe('k8s/base', () => {
  const objects = render('base');
  it('is safe by default: OpenID Connect sign-in, no development sign-in anywhere', () => {
    expect(authModes(objects)).toEqual(['oidc']);
  });
});

describe.each(overlays)('k8s/overlays/%s: the edge', (overlay) => {
  const objects = render(`overlays/${overlay}`);
  const paths = ingressPaths(objects);
  const gateway = services[0];
  const ops = opsPortOf(gateway);
  const deployment = findOne(objects, 'Deployment', 'gateway');
  const container: K8sObject = deployment.spec.template.spec.containers[0];

  it(overlay === 'prod' ? 'has no development sign-in' : 'turns development sign-in on, as only the dev overlay may', () => {
    const modes = authModes(objects);
    if (overlay === 'prod') {
      expect(modes).not.toContain('development');
      expect(modes).toContain('oidc');
      expect(paths.some((p) => routes(p, DEVELOPMENT_ONLY)), `${DEVELOPMENT_ONLY} routed`).toBe(false);
    } else {
      expect(containerEnv(objects, container).vars.get('AUTH_MODE')).toMatchObject({ value: 'development' });
    }
  });

  it(overlay === 'dev' ? 'is reachable only through an internal ingress controller it renders' : 'stays on a public ingress class, not the internal one', () => {
    const classes = ofKind(objects, 'Ingress').map((ingress) => asString(ingress.spec.ingressClassName, `Ingress ${ingress.metadata.name} ingressClassName`));
    expect(classes.length).toBeGreaterThan(0);
    if (overlay === 'dev') {
      // Development sign-in lets anyone chat as anyone: every Ingress goes through a controller
      // of this render with a private (internal load balancer) address.
      const internal = internalIngressClasses(objects);
      for (const name of classes) expect(internal.has(name), `ingress class ${name} is internal`).toBe(true);
    } else {
      const devInternal = internalIngressClasses(render('overlays/dev'));
      expect(devInternal.size).toBeGreaterThan(0);
      for (const name of classes) expect(devInternal.has(name), `ingress class ${name} is the dev overlay's internal one`).toBe(false);
      expect([...internalIngressClasses(objects)]).toEqual([]);
    }
  });

  it('routes public paths only, each one the gateway serves', () => {
    const allowed = new Set([...PUBLIC.keys(), ...(overlay === 'dev' ? [DEVELOPMENT_ONLY] : [])]);
    const served = routePaths('gateway');
    expect(paths.length).toBeGreaterThan(0);
    for (const rule of paths) {
      expect(allowed.has(rule.path), `${rule.path} is not a public path`).toBe(true);
      // A prefix rule must not open more than its own directory (no catch-all "/").
      if (rule.pathType !== 'Exact') expect(rule.path, `${rule.path} as ${rule.pathType}`).toBe('/assets');
      if (rule.path.startsWith('/api/') && rule.path !== WEBPUBSUB_EVENT_HANDLER_PATH) expect(served.has(rule.path), `the gateway serves ${rule.path}`).toBe(true);
    }
    for (const path of PRIVATE) expect(paths.filter((p) => routes(p, path)).map((p) => p.path), `${path} is routed`).toEqual([]);
    // And the public paths are all there: the page works from outside.
    for (const path of PUBLIC.keys()) expect(paths.some((p) => routes(p, path)), `${path} (${PUBLIC.get(path)}) is not routed`).toBe(true);
  });

  it('sends no Ingress traffic to the ops port: the Service does not even expose it', () => {
    const service = findOne(objects, 'Service', 'gateway');
    const containerPorts: K8sObject[] = container.ports;
    const opsContainerPort = containerPorts.find((p) => p.name === ops.portName);
    expect(opsContainerPort?.containerPort).toBe(ops.port);
    for (const port of service.spec.ports as K8sObject[]) {
      expect([ops.portName, ops.port]).not.toContain(port.targetPort);
    }
    for (const rule of paths) {
      const wanted = rule.backend.service.port;
      const servicePort = (service.spec.ports as K8sObject[]).find((p) => p.name === wanted.name || p.port === wanted.number);
      expect(servicePort, `${rule.path} → a port of Service/gateway`).toBeDefined();
      const target = containerPorts.find((p) => p.name === servicePort?.targetPort || p.containerPort === servicePort?.targetPort);
      expect(target?.name, `${rule.path} reaches container port ${target?.name}`).toBe(gateway.portName);
    }
  });

  it('probes and scrapes on the ops port, which OPS_PORT opens', () => {
    for (const kind of ['startupProbe', 'livenessProbe', 'readinessProbe']) expect(container[kind]?.httpGet?.port, kind).toBe(ops.portName);
    expect(deployment.spec.template.metadata.annotations?.['prometheus.io/port']).toBe(String(ops.port));
    expect(containerEnv(objects, container).vars.get('OPS_PORT')).toEqual({ kind: 'literal', value: String(ops.port) });
    // A PodMonitor, where there is one, scrapes the ops port too.
    for (const monitor of ofKind(objects, 'PodMonitor').filter((m) => m.spec.selector?.matchLabels?.['app.kubernetes.io/name'] === 'gateway')) {
      for (const endpoint of monitor.spec.podMetricsEndpoints) expect(endpoint.port, monitor.metadata.name).toBe(ops.portName);
    }
  });
});
