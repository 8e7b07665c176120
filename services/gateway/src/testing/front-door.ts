import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { binPath, pinoReady, startProcess, startSignalR, WORKSPACE_ROOT, type RunningProcess } from '@parley/testkit';

/**
 * The local serverless WebSocket service with its upstream pointed at a gateway.
 * Uses the testkit starter once the emulator's bin is linked into node_modules/.bin,
 * else runs the emulator's bin file directly.
 */
export async function startFrontDoor(upstreamUrl: string): Promise<RunningProcess & { port: number }> {
  if (existsSync(binPath('signalr-emulator'))) return startSignalR({ upstreamUrl });
  const proc = await startProcess({
    name: 'signalr',
    command: process.execPath,
    args: [join(WORKSPACE_ROOT, 'emulators/websocket-service/bin/signalr-emulator.js'), '--config', join(WORKSPACE_ROOT, 'emulators/websocket-service/config/parley.json'), '--port', '0'],
    env: { SIGNALR_UPSTREAM_URL: upstreamUrl },
    ready: pinoReady,
  });
  return { ...proc, port: Number(proc.readyInfo.port) };
}
