import { CHAT_SUBPROTOCOL, signatureHeader, type ChatEvent, type UpstreamEvent } from '@parley/contracts';
import { createLogger, createRegistry } from '@parley/service-kit';
import { azuriteConnectionString } from '@parley/testkit';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from '../app.js';
import { loadConfig, type GatewayConfig } from '../config.js';
import { BusUnavailableError } from '../errors.js';
import type { EventPublisher } from '../chat-path/publisher.js';
import { createTokenIssuer } from '../tokens.js';

export const PRIMARY_KEY = 'parley-dev-primary-key-0123456789abcdef';
export const SECONDARY_KEY = 'parley-dev-secondary-key-fedcba9876543210';
/** Azurite's well-known development account on a port nobody listens on (9, discard). */
export const UNREACHABLE_TABLES = azuriteConnectionString(9);
export const SIGNING_KEY = 'test-signing-key-0123456789abcdef-0123456789';

/** A complete, valid gateway environment; tests override single variables. */
export function testEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    PORT: '0',
    OPS_PORT: '0',
    SIGNALR_CONNECTION_STRING: `Endpoint=http://127.0.0.1;Port=8888;AccessKey=${PRIMARY_KEY};Version=1.0;`,
    SIGNALR_SECONDARY_KEY: SECONDARY_KEY,
    SERVICEBUS_CONNECTION_STRING: 'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=x;UseDevelopmentEmulator=true;',
    // Read only by the typing relay; nothing listens here, so a test that relays typing sets its own.
    TABLES_CONNECTION_STRING: UNREACHABLE_TABLES,
    TOKEN_SIGNING_KEY: SIGNING_KEY,
    AUTH_MODE: 'development',
    LOG_LEVEL: 'silent',
    ...overrides,
  };
}

export const testConfig = (overrides: Record<string, string | undefined> = {}): GatewayConfig => loadConfig(testEnv(overrides));
export const silentLogger = () => createLogger('gateway-test', 'silent');

/**
 * Records what the app publishes. Only for inject tests of HTTP branches;
 * every bus behaviour is proven against the local broker in *.int.spec.ts.
 */
export class RecordingPublisher implements EventPublisher {
  readonly events: ChatEvent[] = [];
  failing = false;
  open = true;

  async publish(event: ChatEvent): Promise<void> {
    if (this.failing) throw new BusUnavailableError('recording publisher set to fail');
    this.events.push(event);
  }
  ready(): boolean {
    return this.open;
  }
  async close(): Promise<void> {
    this.open = false;
  }
}

export async function testApp(config: GatewayConfig, deps: Partial<AppDeps> = {}) {
  const publisher = (deps.publisher as RecordingPublisher | undefined) ?? new RecordingPublisher();
  const app: FastifyInstance = await buildApp(
    { publisher, logger: silentLogger(), registry: createRegistry('gateway-test'), retryDelaysMs: [5, 5], ...deps },
    config,
  );
  return { app, publisher };
}

export interface UpstreamCall {
  event: UpstreamEvent;
  connectionId?: string;
  userId?: string;
  hub?: string;
  clientQuery?: string;
  subprotocols?: string[];
  keys?: string[];
  signature?: string | null;
}

/** The X-ASRS-* headers the front door sends, signed with the given keys (default: primary). */
export function upstreamHeaders(call: UpstreamCall): Record<string, string> {
  const connectionId = call.connectionId ?? 'conn-1';
  const headers: Record<string, string> = {
    'x-asrs-hub': call.hub ?? 'chat',
    'x-asrs-category': call.event === 'message' ? 'messages' : 'connections',
    'x-asrs-event': call.event,
    'x-asrs-connection-id': connectionId,
  };
  const signature = call.signature === undefined ? signatureHeader(connectionId, call.keys ?? [PRIMARY_KEY]) : call.signature;
  if (signature !== null) headers['x-asrs-signature'] = signature;
  if (call.userId) headers['x-asrs-user-id'] = call.userId;
  if (call.event === 'connect') {
    headers['x-asrs-client-query'] = call.clientQuery ?? '';
    headers['sec-websocket-protocol'] = (call.subprotocols ?? [CHAT_SUBPROTOCOL]).join(', ');
  }
  return headers;
}

export async function gatewayToken(user: string, options: { ttlSeconds?: number; now?: () => number; signingKey?: string } = {}) {
  const issue = createTokenIssuer({ signingKey: options.signingKey ?? SIGNING_KEY, ttlSeconds: options.ttlSeconds ?? 900, ...(options.now ? { now: options.now } : {}) });
  return (await issue(user)).token;
}
