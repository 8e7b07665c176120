import { connect } from 'node:net';
import type { BusConnection } from '@parley/service-kit';
import { CliError, CliErrorCodes, isCliError } from './errors.js';

export interface Target {
  readonly service: string;
  readonly host: string;
  readonly port: number;
  /** How the operator knows the place: a URL or host:port. */
  readonly display: string;
}

export const PROBE_TIMEOUT_MS = 5_000;

/** Where the broker listens: the emulator's plain AMQP port (5672) or AMQPS (5671). */
export function busTarget(connection: BusConnection): Target {
  if (connection.kind === 'namespace') {
    return { service: 'Service Bus', host: connection.namespace, port: 5671, display: `${connection.namespace}:5671` };
  }
  const endpoint = /Endpoint=sb:\/\/([^;/]+)/i.exec(connection.connectionString)?.[1] ?? '';
  const emulator = /UseDevelopmentEmulator=true/i.test(connection.connectionString);
  const url = new URL(`sb://${endpoint}`);
  const port = url.port ? Number(url.port) : emulator ? 5672 : 5671;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return { service: 'Service Bus', host, port, display: `sb://${url.hostname}:${port}` };
}

export function urlTarget(service: string, text: string): Target {
  const url = new URL(text);
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { service, host: url.hostname.replace(/^\[|\]$/g, ''), port, display: url.origin + url.pathname.replace(/\/$/, '') };
}

/**
 * A TCP connect before the SDKs get their turn: their retry policies take tens
 * of seconds to give up on a dead host, an operator wants one clear line now.
 */
export async function probe(target: Target, timeoutMs = PROBE_TIMEOUT_MS): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host: target.host, port: target.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(unreachable(target, `no answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.end();
      resolve();
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(unreachable(target, describeNetworkError(error)));
    });
  });
}

function unreachable(target: Target, why: string): CliError {
  return new CliError(CliErrorCodes.serviceUnreachable, `${target.service} unreachable at ${target.display} (${why})`);
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'timed out',
  UND_ERR_SOCKET: 'connection closed',
};

export function describeNetworkError(error: NodeJS.ErrnoException): string {
  return (error.code && NETWORK_CODES[error.code]) ?? error.message;
}

/** The network code of an error or of one of its causes (fetch wraps them). */
export function networkCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const { code, cause } = current as { code?: unknown; cause?: unknown };
    if (typeof code === 'string' && code in NETWORK_CODES) return code;
    if (typeof code === 'string' && ['ServiceCommunicationProblem', 'ServiceTimeout', 'REQUEST_SEND_ERROR'].includes(code)) return code;
    current = cause;
  }
  return undefined;
}

/** Runs one service call; whatever it throws becomes a CliError naming the service and the place. */
export async function withService<T>(target: Target, action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw serviceError(target, action, error);
  }
}

export function serviceError(target: Target, action: string, error: unknown): CliError {
  if (isCliError(error)) return error;
  const code = networkCode(error);
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  if (code) {
    const why = NETWORK_CODES[code] ?? message;
    return new CliError(CliErrorCodes.serviceUnreachable, `${target.service} unreachable at ${target.display} while trying to ${action} (${why})`, { cause: error });
  }
  return new CliError(CliErrorCodes.serviceFailed, `${target.service} at ${target.display}: could not ${action}: ${message}`, { cause: error });
}
