import { asFields, asLabels, asList, asString, type Fields, type K8sObject } from './render.js';

/**
 * A small evaluator of Kubernetes NetworkPolicy semantics (IPv4), enough to ask
 * of the rendered manifests "may this pod talk to that peer on that port?":
 * policies select pods by label, add up, and a pod selected by any policy of a
 * direction allows only what some rule of that direction allows.
 */

type Labels = Record<string, string>;

/** A label selector's verdict (matchLabels and matchExpressions; an empty selector selects everything). */
export function selectorMatches(selector: Fields | undefined, labels: Labels): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(asLabels(selector.matchLabels ?? {}, 'matchLabels'))) if (labels[key] !== value) return false;
  for (const expression of asList(selector.matchExpressions ?? [], 'matchExpressions')) {
    const present = expression.key in labels;
    const value = labels[expression.key];
    const values: string[] = expression.values ?? [];
    const ok =
      expression.operator === 'In'
        ? present && values.includes(value as string)
        : expression.operator === 'NotIn'
          ? !present || !values.includes(value as string)
          : expression.operator === 'Exists'
            ? present
            : expression.operator === 'DoesNotExist'
              ? !present
              : false;
    if (!ok) return false;
  }
  return true;
}

function ipv4(address: string): number {
  const parts = address.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new Error(`not an IPv4 address: ${address}`);
  return (((parts[0] as number) << 24) | ((parts[1] as number) << 16) | ((parts[2] as number) << 8) | (parts[3] as number)) >>> 0;
}

/** Whether `address` lies in `cidr` (a.b.c.d/n). */
export function inCidr(address: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const length = Number(bits);
  const mask = length === 0 ? 0 : (~0 << (32 - length)) >>> 0;
  return ((ipv4(address) & mask) >>> 0) === ((ipv4(base as string) & mask) >>> 0);
}

/** The other end of a flow: an address outside the cluster, or a pod with its labels and its namespace's labels. */
export type Peer = { kind: 'ip'; address: string } | { kind: 'pod'; namespace: Labels; labels: Labels };

/** Whether one entry of a rule's `to`/`from` admits the peer (`ownNamespace`: the policy's namespace's labels). */
function peerMatches(entry: Fields, peer: Peer, ownNamespace: Labels): boolean {
  if (entry.ipBlock) {
    if (peer.kind !== 'ip') return false;
    const except: unknown[] = entry.ipBlock.except ?? [];
    return inCidr(peer.address, asString(entry.ipBlock.cidr, 'ipBlock.cidr')) && !except.some((cidr) => inCidr(peer.address, asString(cidr, 'ipBlock.except')));
  }
  if (peer.kind !== 'pod') return false;
  const namespaceOk = entry.namespaceSelector
    ? selectorMatches(asFields(entry.namespaceSelector, 'namespaceSelector'), peer.namespace)
    : selectorMatches({ matchLabels: ownNamespace }, peer.namespace);
  return namespaceOk && selectorMatches(entry.podSelector === undefined ? undefined : asFields(entry.podSelector, 'podSelector'), peer.labels);
}

/** Whether a rule's `ports` admit the port (named ports resolve against the selected pod's container ports). */
function portMatches(ports: Fields[] | undefined, port: number, protocol: string, namedPorts: Record<string, number>): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if ((p.protocol ?? 'TCP') !== protocol) return false;
    if (p.port === undefined) return true;
    const start = typeof p.port === 'string' ? namedPorts[p.port] : Number(p.port);
    if (start === undefined) return false;
    return port >= start && port <= (p.endPort ?? start);
  });
}

export interface Pod {
  labels: Labels;
  /** Container port names to numbers, for named ports in rules that select this pod. */
  namedPorts: Record<string, number>;
}

export type Direction = 'Ingress' | 'Egress';

const policyTypes = (policy: K8sObject): string[] => policy.spec.policyTypes ?? (policy.spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);

/** The policies of `namespace` that select `pod` for `direction`. */
export function policiesFor(policies: K8sObject[], pod: Pod, direction: Direction): K8sObject[] {
  return policies.filter((p) => policyTypes(p).includes(direction) && selectorMatches(asFields(p.spec.podSelector, `${p.metadata.name} podSelector`), pod.labels));
}

/**
 * Whether `pod` may open (Egress) or accept (Ingress) a connection with `peer`
 * on `port`. For Egress the port is the peer's; for Ingress it is the pod's.
 * Not selected by any policy of that direction: allowed (not isolated).
 */
export function allowed(
  policies: K8sObject[],
  namespace: Labels,
  pod: Pod,
  direction: Direction,
  peer: Peer,
  port: number,
  protocol = 'TCP',
  peerNamedPorts: Record<string, number> = {},
): boolean {
  const selecting = policiesFor(policies, pod, direction);
  if (selecting.length === 0) return true;
  const key = direction === 'Ingress' ? 'ingress' : 'egress';
  const side = direction === 'Ingress' ? 'from' : 'to';
  const named = direction === 'Ingress' ? pod.namedPorts : peerNamedPorts;
  return selecting.some((policy) =>
    asList(policy.spec[key] ?? [], `${policy.metadata.name} ${key}`).some((rule) => {
      const peers = asList(rule[side] ?? [], `${policy.metadata.name} ${side}`);
      const ports = rule.ports === undefined ? undefined : asList(rule.ports, `${policy.metadata.name} ports`);
      return portMatches(ports, port, protocol, named) && (peers.length === 0 || peers.some((entry) => peerMatches(entry, peer, namespace)));
    }),
  );
}
