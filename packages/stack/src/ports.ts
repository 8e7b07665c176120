import { canListen, freePort } from '@parley/testkit';

export const COMPONENT_NAMES = ['tables', 'servicebus', 'signalr', 'gateway', 'chat-worker', 'notifier'] as const;
export type ComponentName = (typeof COMPONENT_NAMES)[number];

/** The fixed ports of docs/architecture.md § Running it, each overridable by its variable. */
export const DEFAULT_PORTS: Record<ComponentName, { port: number; variable: string }> = {
  tables: { port: 10002, variable: 'PARLEY_TABLES_PORT' },
  servicebus: { port: 5672, variable: 'PARLEY_SERVICEBUS_PORT' },
  signalr: { port: 8888, variable: 'PARLEY_SIGNALR_PORT' },
  gateway: { port: 7071, variable: 'PARLEY_GATEWAY_PORT' },
  'chat-worker': { port: 7072, variable: 'PARLEY_WORKER_PORT' },
  notifier: { port: 7073, variable: 'PARLEY_NOTIFIER_PORT' },
};

/** Older names still read when the new one is unset (the tables component was `azurite`). */
const PORT_ALIASES: Readonly<Record<string, string>> = { PARLEY_TABLES_PORT: 'PARLEY_AZURITE_PORT' };

/**
 * Ops servers (/healthz, /readyz, /metrics) apart from a component's port. Only the gateway
 * has one: its port is public, while the workers' only port is their ops port.
 */
export const OPS_PORTS = {
  gateway: { port: 7074, variable: 'PARLEY_GATEWAY_OPS_PORT' },
} as const;

export class PortInUseError extends Error {
  readonly code = 'PARLEY_PORT_IN_USE';
  constructor(readonly component: ComponentName, readonly port: number, variable: string = DEFAULT_PORTS[component].variable) {
    super(
      `port ${port} (${component}) is already in use on 127.0.0.1. ` +
        `Stop whatever listens there, or choose another port: ${variable}=<port> npm start`,
    );
  }
}

/** Fixed ports from the environment (checked to be free), or ephemeral ones for tests. */
export async function choosePorts(ephemeral: boolean, env: NodeJS.ProcessEnv): Promise<Record<ComponentName, number>> {
  const ports = {} as Record<ComponentName, number>;
  for (const name of COMPONENT_NAMES) {
    if (ephemeral) {
      ports[name] = await freePort();
      continue;
    }
    ports[name] = await fixedPort(name, DEFAULT_PORTS[name], env);
  }
  return ports;
}

/** The gateway's ops port: ephemeral for tests, else PARLEY_GATEWAY_OPS_PORT or 7074 (checked to be free). */
export async function chooseOpsPorts(ephemeral: boolean, env: NodeJS.ProcessEnv): Promise<{ gateway: number }> {
  return { gateway: ephemeral ? await freePort() : await fixedPort('gateway', OPS_PORTS.gateway, env) };
}

async function fixedPort(name: ComponentName, { port: fallback, variable }: { port: number; variable: string }, env: NodeJS.ProcessEnv): Promise<number> {
  const alias = PORT_ALIASES[variable];
  const text = env[variable] || (alias ? env[alias] : undefined);
  const port = text ? Number(text) : fallback;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${variable} must be a TCP port, got "${text}"`);
  if (!(await canListen(port))) throw new PortInUseError(name, port, variable);
  return port;
}
