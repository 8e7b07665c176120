import { DEFAULT_PARTITIONS } from '@parley/contracts';
import type { CoalesceLimits } from './call-plan.js';
import { ConfigError, envReader, MAX_PARTITIONS, readBusConnection, readHttpListen, readLogLevel, readWebSocketService, type BusConnection, type WebSocketService } from '@parley/service-kit';

export interface RetryPolicy {
  /** Attempts in total, the first one included. */
  readonly maxAttempts: number;
  readonly baseMs: number;
  readonly maxDelayMs: number;
}

export interface NotifierConfig {
  /** The WebSocket service and its dialect (`WEBSOCKET_SERVICE`; service-kit's readWebSocketService). */
  readonly service: WebSocketService;
  readonly bus: BusConnection;
  readonly maxConcurrentSessions: number;
  readonly listen: { readonly host: string; readonly port: number };
  readonly logLevel: string;
  readonly requestTimeoutMs: number;
  readonly retry: RetryPolicy;
  readonly httpConnections: number;
  /** Sends to one target found together in a batch share a call up to these bounds (call-plan.ts). */
  readonly coalesce: CoalesceLimits;
}

export const DEFAULT_PORT = 7073;

/** Reads and validates the environment once (docs/style.md §4); throws a ConfigError naming the variable. */
export function loadConfig(env: Record<string, string | undefined>): NotifierConfig {
  const read = envReader(env);
  // WEBSOCKET_SERVICE=signalr|webpubsub with its connection string, or the Web PubSub endpoint with Entra ID.
  const service = readWebSocketService(read);
  const retry: RetryPolicy = Object.freeze({
    maxAttempts: read.int('RETRY_MAX_ATTEMPTS', 5, { min: 1, max: 20 }),
    baseMs: read.int('RETRY_BASE_MS', 100, { min: 1, max: 60_000 }),
    maxDelayMs: read.int('RETRY_MAX_DELAY_MS', 10_000, { min: 1, max: 300_000 }),
  });
  if (retry.maxDelayMs < retry.baseMs) throw new ConfigError('RETRY_MAX_DELAY_MS', `must be at least RETRY_BASE_MS (${retry.baseMs})`);
  return Object.freeze({
    service,
    bus: readBusConnection(read),
    // One slot per partition of the producer's default (64): a partition without a slot waits
    // until some held session goes idle. Idle slots wait in the broker's accept and cost little.
    maxConcurrentSessions: read.int('MAX_CONCURRENT_SESSIONS', DEFAULT_PARTITIONS, { min: 1, max: MAX_PARTITIONS }),
    listen: Object.freeze(readHttpListen(read, DEFAULT_PORT)),
    logLevel: readLogLevel(read),
    requestTimeoutMs: read.int('REQUEST_TIMEOUT_MS', 5_000, { min: 1, max: 120_000 }),
    retry,
    httpConnections: read.int('HTTP_CONNECTIONS', 32, { min: 1, max: 1_024 }),
    // Web PubSub takes a body of up to 1 MiB; a quarter of that keeps one call's time short.
    coalesce: Object.freeze({
      maxFrames: read.int('MAX_FRAMES_PER_CALL', 32, { min: 1, max: 1_000 }),
      maxBodyBytes: read.int('MAX_BODY_BYTES_PER_CALL', 256 * 1024, { min: 1_024, max: 1_024 * 1_024 }),
    }),
  });
}
