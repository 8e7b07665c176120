import { connect } from 'node:net';
import type { Stack } from '@parley/stack';

type ComponentName = Parameters<Stack['start']>[0];

/** AMQP 1.0's SASL protocol header: a broker that is up answers with its own header. */
const AMQP_SASL_HEADER = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0x03, 0x01, 0x00, 0x00]);

/** The base URL of a component's ops server (/readyz): `Stack.opsUrl` where the stack has it, else its port. */
function opsUrl(stack: Stack, name: ComponentName): string {
  const withOps = stack as Stack & { opsUrl?: (component: ComponentName) => string };
  return typeof withOps.opsUrl === 'function' ? withOps.opsUrl(name) : `http://127.0.0.1:${stack.ports[name]}`;
}

async function httpStatus(url: string, init?: RequestInit): Promise<number> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(2_000) });
  await response.arrayBuffer();
  return response.status;
}

/** The broker speaks AMQP again: it answers the protocol header with its own. */
function amqpAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write(AMQP_SASL_HEADER));
    socket.once('data', (data) => done(data.subarray(0, 4).toString('latin1') === 'AMQP'));
  });
}

/**
 * Whether a component answers its readiness check: /readyz of every copy of our services,
 * the health route for the WebSocket service, an AMQP header for the broker, a
 * Table service listing for the table store (Azurite or the tables emulator).
 */
export async function isReady(stack: Stack, name: ComponentName): Promise<boolean> {
  try {
    const port = stack.ports[name];
    switch (name as string) {
      case 'signalr':
        return (await httpStatus(`${stack.signalrUrl}/api/health`)) === 200;
      case 'servicebus':
        return await amqpAnswers(port);
      case 'azurite':
      case 'tables': {
        // An unsigned request still gets an answer from the Table service: any HTTP status below 500 means it serves.
        const status = await httpStatus(`http://127.0.0.1:${port}/devstoreaccount1/Tables`, { headers: { accept: 'application/json;odata=nometadata' } });
        return status < 500;
      }
      default: {
        // Every copy of a service answers /readyz.
        const copies = stack.copies(name).map((copy) => copy.copy);
        if (copies.length === 0) return (await httpStatus(`${opsUrl(stack, name)}/readyz`)) === 200;
        const statuses = await Promise.all(copies.map((copy) => httpStatus(`${stack.opsUrl(name as 'gateway', copy)}/readyz`)));
        return statuses.every((status) => status === 200);
      }
    }
  } catch {
    return false;
  }
}
