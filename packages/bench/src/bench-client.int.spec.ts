import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { BenchClient, benchText } from './bench-client.js';
import { Recorder } from './recorder.js';

/** Records what the client reports, in order. */
class ListeningRecorder extends Recorder {
  readonly seen: string[] = [];
  override recordDelivery(key: string, serverId: string, client: number, sentAt: number): void {
    this.seen.push(`${key}/${serverId}`);
    super.recordDelivery(key, serverId, client, sentAt);
  }
}

describe('BenchClient over a real WebSocket', () => {
  const closing: Array<() => Promise<void>> = [];
  afterEach(async () => {
    // The client first: the server's close waits for its connections.
    for (const close of closing.splice(0).reverse()) await close();
  });

  it("takes a batch frame's frames in order, each as if it had arrived alone", async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    closing.push(() => new Promise((resolve) => server.close(() => resolve())));
    await new Promise((resolve) => server.once('listening', resolve));
    const connected = new Promise<WebSocket>((resolve) => server.once('connection', resolve));
    const { port } = server.address() as { port: number };
    const client = await BenchClient.open(0, `ws://127.0.0.1:${port}`, 'parley.chat.v1');
    closing.push(async () => client.close());
    const recorder = new ListeningRecorder();
    client.recorder = recorder;
    const peer = await connected;

    const acked = client.send({ type: 'send', id: 'k0', text: benchText('k0', Date.now(), 40) });
    const message = (key: string, id: string) => ({ type: 'message', id, clientId: key, from: 'u', text: benchText(key, Date.now(), 40), at: new Date().toISOString() });
    peer.send(JSON.stringify({ type: 'batch', frames: [{ type: 'ack', id: 'k0', ok: true }, message('k0', 's0'), message('k1', 's1'), message('k2', 's2')] }));
    // The ack is the batch's first frame; the rest are taken in the same turn, before the await resumes.
    expect(await acked).toBe(true);
    expect(recorder.seen).toEqual(['k0/s0', 'k1/s1', 'k2/s2']);
  });
});
