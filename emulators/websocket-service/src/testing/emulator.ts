import { pino, type Logger } from 'pino';
import { Writable } from 'node:stream';
import { parseConfig, type EmulatorConfig } from '../config.js';
import { startSignalREmulator, type SignalREmulator } from '../index.js';
import { startTestUpstream, type Handler, type TestUpstream } from './test-upstream.js';

export const PRIMARY = 'test-primary-key-0123456789abcdef';
export const SECONDARY = 'test-secondary-key-fedcba9876543210';

/** A pino logger whose lines a test can read. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

export interface Pair {
  readonly emulator: SignalREmulator;
  readonly upstream: TestUpstream;
  readonly logs: Record<string, unknown>[];
  /** ws://127.0.0.1:<port> */
  readonly ws: string;
  close(): Promise<void>;
}

/** The emulator in front of a fresh test upstream (both real servers on ephemeral ports). */
export async function startPair(
  opts: {
    handler?: Handler;
    limits?: Partial<EmulatorConfig['limits']>;
    templates?: (upstreamUrl: string) => unknown[];
    upstreamKeys?: string[];
  } = {},
): Promise<Pair> {
  const upstream = await startTestUpstream(opts.upstreamKeys ?? [PRIMARY, SECONDARY], opts.handler);
  const config = parseConfig({
    accessKeys: { primary: PRIMARY, secondary: SECONDARY },
    upstream: { templates: opts.templates?.(upstream.url) ?? [{ urlTemplate: `${upstream.url}/api/messages?event={event}` }] },
    limits: opts.limits ?? {},
  });
  const { logger, lines } = captureLogger();
  const emulator = await startSignalREmulator({ config, logger });
  return {
    emulator,
    upstream,
    logs: lines,
    ws: `ws://127.0.0.1:${emulator.port}`,
    async close() {
      await emulator.close();
      await upstream.close();
    },
  };
}
