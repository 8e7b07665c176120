import { describe, expect, it } from 'vitest';
import { opsPortOf, overlays, services } from './layout.js';
import { allowed, policiesFor, type Peer, type Pod } from './network-policy.js';
import { asFields, findOne, ofKind, render, type K8sObject } from './render.js';

/**
 * Deny by default, allow only the flows Parley has: the ingress controller to
 * the gateway's public port, Prometheus to the ops ports, DNS, and Azure's
 * public endpoints on 443 and 5671 — never the instance metadata endpoint.
 * Asked of the rendered overlays through network-policy.ts's evaluator, over
 * a fixed cast of peers, so that a policy that opens more (or less) fails.
 */

const namespaceLabels = (name: string) => ({ 'kubernetes.io/metadata.name': name });
const pod = (namespace: string, labels: Record<string, string>): Peer => ({ kind: 'pod', namespace: namespaceLabels(namespace), labels });
const ip = (address: string): Peer => ({ kind: 'ip', address });

/** Everyone who might knock, in or out. */
const cast = {
  ingressController: pod('app-routing-system', { app: 'nginx' }),
  // A further controller of the add-on (the dev overlay's internal one): the add-on runs it in
  // app-routing-system too, under its own labels.
  internalIngressController: pod('app-routing-system', { app: 'parley-internal' }),
  prometheus: pod('kube-system', { rsName: 'ama-metrics' }),
  prometheusNode: pod('kube-system', { dsName: 'ama-metrics-node' }),
  kubeDns: pod('kube-system', { 'k8s-app': 'kube-dns' }),
  kubeSystemOther: pod('kube-system', { app: 'konnectivity-agent' }),
  emulator: pod('emulators', { 'app.kubernetes.io/name': 'parley-websocket-emulator' }),
};
const addresses = {
  // Public addresses Azure's endpoints resolve to (Entra ID, Service Bus, Web PubSub, Table Storage).
  azure: [ip('20.190.151.68'), ip('40.126.23.1'), ip('52.168.117.170')],
  metadata: ip('169.254.169.254'),
  wireServer: ip('168.63.129.16'),
  // The VNet and the cluster's own ranges (an AKS node, the API server's private address, a pod).
  private: [ip('10.224.0.4'), ip('10.0.0.1'), ip('172.16.4.20'), ip('192.168.1.10'), ip('100.64.0.7')],
};

describe.each(overlays)('k8s/overlays/%s network policies', (overlay) => {
  const objects = render(`overlays/${overlay}`);
  const namespace = findOne(objects, 'Namespace', overlay === 'prod' ? 'parley' : 'parley-dev').metadata.name;
  const ownNamespace = namespaceLabels(namespace);
  const policies = ofKind(objects, 'NetworkPolicy');

  const podOf = (name: string): Pod => {
    const template = findOne(objects, 'Deployment', name).spec.template;
    const ports: K8sObject[] = template.spec.containers.flatMap((c: K8sObject) => c.ports ?? []);
    return { labels: template.metadata.labels, namedPorts: Object.fromEntries(ports.map((p) => [p.name, p.containerPort])) };
  };
  const parleyPeer = (name: string): Peer => ({ kind: 'pod', namespace: ownNamespace, labels: podOf(name).labels });
  const neighbour: Peer = { kind: 'pod', namespace: ownNamespace, labels: { 'app.kubernetes.io/name': 'something-else' } };
  const seedEmulatorAllowed = overlay === 'dev';

  it('isolates every pod of the namespace in both directions, with no rule in the deny-all policy', () => {
    const denyAll = policies.filter(
      (p) => Object.keys(asFields(p.spec.podSelector ?? {}, 'podSelector')).length === 0 && !p.spec.ingress && !p.spec.egress && ['Ingress', 'Egress'].every((t) => p.spec.policyTypes?.includes(t)),
    );
    expect(denyAll.map((p) => p.metadata.name)).toEqual(['parley-default-deny']);
    // A pod nobody planned for gets nothing but DNS.
    const stranger: Pod = { labels: { app: 'stranger' }, namedPorts: { http: 8080 } };
    expect(allowed(policies, ownNamespace, stranger, 'Ingress', cast.ingressController, 8080)).toBe(false);
    expect(allowed(policies, ownNamespace, stranger, 'Egress', addresses.azure[0] as Peer, 443)).toBe(false);
    expect(allowed(policies, ownNamespace, stranger, 'Egress', cast.kubeDns, 53, 'UDP')).toBe(true);
  });

  it('selects only pods that exist: no policy is written for a label nothing carries', () => {
    const pods = services.map(({ name }) => podOf(name));
    for (const policy of policies) {
      const anyPod = pods.some((p) => policiesFor([policy], p, 'Ingress').length + policiesFor([policy], p, 'Egress').length > 0);
      expect(anyPod, policy.metadata.name).toBe(true);
    }
  });

  describe.each(services)('$name', (service) => {
    const self = podOf(service.name);
    const ops = opsPortOf(service);
    const ownPorts = Object.values(self.namedPorts);

    it('accepts exactly: the ingress controllers on the public port (gateway), Prometheus on the ops port', () => {
      const knockers: [string, Peer][] = [
        ...Object.entries(cast),
        ['a neighbour pod', neighbour],
        ...services.filter((s) => s.name !== service.name).map((s): [string, Peer] => [s.name, parleyPeer(s.name)]),
      ];
      const admitted = knockers.flatMap(([who, peer]) => ownPorts.filter((port) => allowed(policies, ownNamespace, self, 'Ingress', peer, port)).map((port) => `${who}:${port}`));
      const expected = [`prometheus:${ops.port}`];
      if (service.name === 'gateway') expected.push(`ingressController:${service.port}`, `internalIngressController:${service.port}`);
      if (service.name === 'gateway' && seedEmulatorAllowed) expected.push(`emulator:${service.port}`);
      expect(admitted.sort()).toEqual(expected.sort());
    });

    it('resolves DNS only through kube-dns', () => {
      expect(allowed(policies, ownNamespace, self, 'Egress', cast.kubeDns, 53, 'UDP')).toBe(true);
      expect(allowed(policies, ownNamespace, self, 'Egress', cast.kubeDns, 53, 'TCP')).toBe(true);
      expect(allowed(policies, ownNamespace, self, 'Egress', cast.kubeDns, 443)).toBe(false);
      expect(allowed(policies, ownNamespace, self, 'Egress', cast.kubeSystemOther, 53, 'UDP')).toBe(false);
      expect(allowed(policies, ownNamespace, self, 'Egress', ip('8.8.8.8'), 53, 'UDP')).toBe(false);
    });

    it("reaches Azure's public endpoints on 443 (HTTPS, AMQP over WebSockets) and 5671 (AMQP) only", () => {
      for (const azure of addresses.azure) {
        expect(allowed(policies, ownNamespace, self, 'Egress', azure, 443)).toBe(true);
        expect(allowed(policies, ownNamespace, self, 'Egress', azure, 5671)).toBe(true);
        for (const port of [80, 22, 5672, 8080]) expect(allowed(policies, ownNamespace, self, 'Egress', azure, port), `port ${port}`).toBe(false);
      }
    });

    it('never reaches the instance metadata endpoint, the host endpoint, private addresses or other pods', () => {
      for (const port of [80, 443, 5671]) {
        expect(allowed(policies, ownNamespace, self, 'Egress', addresses.metadata, port), `169.254.169.254:${port}`).toBe(false);
        expect(allowed(policies, ownNamespace, self, 'Egress', addresses.wireServer, port)).toBe(false);
        for (const address of addresses.private) expect(allowed(policies, ownNamespace, self, 'Egress', address, port), JSON.stringify(address)).toBe(false);
      }
      for (const other of services.filter((s) => s.name !== service.name)) {
        for (const port of Object.values(podOf(other.name).namedPorts)) {
          expect(allowed(policies, ownNamespace, self, 'Egress', parleyPeer(other.name), port, 'TCP', podOf(other.name).namedPorts)).toBe(false);
        }
      }
      const toEmulator = allowed(policies, ownNamespace, self, 'Egress', cast.emulator, 8888);
      expect(toEmulator).toBe(seedEmulatorAllowed && service.name !== 'chat-worker');
    });
  });
});
