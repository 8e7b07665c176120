import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where things are, from packages/k8s-checks/src. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const k8sDir = path.join(repoRoot, 'k8s');
export const overlays = ['dev', 'prod'] as const;
export type Overlay = (typeof overlays)[number];

/**
 * What each service listens on (docs/architecture.md, the services' config.ts).
 * `ops`: where /healthz, /readyz and /metrics live when apart from the public
 * port (the gateway's OPS_PORT, which no Service exposes and no Ingress routes).
 */
export const services = [
  { name: 'gateway', port: 7071, portName: 'http', ops: { port: 7074, portName: 'ops' } },
  { name: 'chat-worker', port: 7072, portName: 'ops' },
  { name: 'notifier', port: 7073, portName: 'ops' },
] as const;
export type ServiceName = (typeof services)[number]['name'];
type ServiceLayout = (typeof services)[number];

/** The port of a service's probes and metrics: its ops port, else its only port. */
export const opsPortOf = (service: ServiceLayout): { port: number; portName: string } =>
  'ops' in service ? service.ops : { port: service.port, portName: service.portName };

export const serviceDir = (name: ServiceName): string => path.join(repoRoot, 'services', name);
