import { WebPubSubServiceClient } from '@azure/web-pubsub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClient, type TestClient } from '../testing/clients.js';
import { decodeDownstream, encodeUpstream, packAny, type DownstreamObject } from '../testing/protobuf-client.js';
import { startWpsPair, type WpsPair } from '../testing/web-pubsub.js';
import { waitFor } from '../testing/wait.js';

const PROTOBUF = 'protobuf.webpubsub.azure.v1';
const RELIABLE_PROTOBUF = 'protobuf.reliable.webpubsub.azure.v1';
const ROLES = ['webpubsub.joinLeaveGroup', 'webpubsub.sendToGroup'];

describe('the protobuf subprotocols, spoken by a client built from Microsoft\'s documented .proto', () => {
  let pair: WpsPair;
  let service: WebPubSubServiceClient;
  beforeAll(async () => {
    pair = await startWpsPair({ recoveryWindowMs: 5_000 });
    service = new WebPubSubServiceClient(pair.emulator.webPubSubConnectionString, 'proto', { allowInsecureConnection: true });
  });
  afterAll(() => pair.close());

  const decoded = (c: TestClient): DownstreamObject[] => c.frames.map((f) => decodeDownstream(f.data));
  const data = (c: TestClient) => decoded(c).flatMap((m) => (m.data_message ? [m.data_message] : []));

  async function protobufClient(userId: string, protocol = PROTOBUF, roles = ROLES): Promise<{ client: TestClient; id: string; token: string; url: string }> {
    const { url } = await service.getClientAccessToken({ userId, roles });
    const client = await openClient(url, protocol);
    expect(client.protocol).toBe(protocol);
    const first = await client.next();
    expect(first.binary).toBe(true);
    const connected = decodeDownstream(first.data).system_message?.connected_message;
    expect(connected).toMatchObject({ user_id: userId });
    return { client, id: connected?.connection_id ?? '', token: connected?.reconnection_token ?? '', url };
  }

  /** Sends a ping and waits for its pong: everything the service sent before it has arrived. */
  async function settle(c: TestClient): Promise<void> {
    const pongs = decoded(c).filter((m) => m.pong_message).length;
    c.ws.send(encodeUpstream({ ping_message: {} }));
    await waitFor(() => decoded(c).filter((m) => m.pong_message).length > pongs, 10_000, 'the pong');
  }

  it('joins with an ack and receives REST sends as DataMessages: text, JSON as text_data, binary; group sends say the group', async () => {
    const { client } = await protobufClient('pb1');
    client.ws.send(encodeUpstream({ join_group_message: { group: 'room', ack_id: 1 } }));
    await waitFor(() => decoded(client).some((m) => m.ack_message));
    expect(decoded(client).find((m) => m.ack_message)?.ack_message).toEqual({ ack_id: 1, success: true });
    await service.group('room').sendToAll('hello room', { contentType: 'text/plain' });
    await service.sendToUser('pb1', { n: 1 });
    await service.sendToAll(Buffer.from([1, 2, 3]));
    await waitFor(() => data(client).length === 3);
    expect(data(client)).toEqual([
      { from: 'group', group: 'room', data: { text_data: 'hello room' } },
      { from: 'server', data: { text_data: '{"n":1}' } },
      { from: 'server', data: { binary_data: Buffer.from([1, 2, 3]) } },
    ]);
    client.ws.close();
  });

  it('publishes a google.protobuf.Any to a group: protobuf, JSON and simple clients each get it in their own form', async () => {
    const sender = await protobufClient('pub');
    const receiver = await protobufClient('sub');
    const { url: jsonUrl } = await service.getClientAccessToken({ userId: 'js', groups: ['any'] });
    const json = await openClient(jsonUrl, 'json.webpubsub.azure.v1');
    const { url: simpleUrl } = await service.getClientAccessToken({ userId: 'raw', groups: ['any'] });
    const simple = await openClient(simpleUrl);
    for (const [c, ackId] of [[sender.client, 1], [receiver.client, 1]] as const) c.ws.send(encodeUpstream({ join_group_message: { group: 'any', ack_id: ackId } }));
    await waitFor(() => [sender.client, receiver.client].every((c) => decoded(c).some((m) => m.ack_message?.success)));

    const any = packAny('type.googleapis.com/azure.webpubsub.TestMessage', Buffer.from([0x08, 0x01]));
    sender.client.ws.send(encodeUpstream({ send_to_group_message: { group: 'any', ack_id: 2, no_echo: true, data: { protobuf_data: { type_url: 'type.googleapis.com/azure.webpubsub.TestMessage', value: Buffer.from([0x08, 0x01]) } } } }));
    await waitFor(() => data(receiver.client).length === 1 && json.frames.length === 2 && simple.frames.length === 1);
    expect(data(receiver.client)[0]).toEqual({ from: 'group', group: 'any', data: { protobuf_data: { type_url: 'type.googleapis.com/azure.webpubsub.TestMessage', value: Buffer.from([0x08, 0x01]) } } });
    expect(JSON.parse(String(json.frames[1]?.data))).toEqual({ type: 'message', from: 'group', group: 'any', fromUserId: 'pub', dataType: 'protobuf', data: any.toString('base64') });
    expect(simple.frames[0]).toEqual({ data: any, binary: true });
    // no_echo: the sender got its ack and nothing else.
    await settle(sender.client);
    expect(decoded(sender.client).find((m) => m.ack_message?.ack_id === 2)?.ack_message).toEqual({ ack_id: 2, success: true });
    expect(data(sender.client)).toEqual([]);
    for (const c of [sender.client, receiver.client, json, simple]) c.ws.close();
  });

  it('sends events to the handler with the documented content types and returns its answer and ack', async () => {
    const { client, id } = await protobufClient('ev');
    client.ws.send(encodeUpstream({ event_message: { event: 'greet', ack_id: 7, data: { text_data: 'text data' } } }));
    client.ws.send(encodeUpstream({ event_message: { event: 'pack', data: { protobuf_data: { type_url: 't/x', value: Buffer.from([9]) } } } }));
    client.ws.send(encodeUpstream({ event_message: { event: 'bytes', data: { binary_data: Buffer.from([1, 2]) } } }));
    const greet = await pair.handler.waitFor((e) => e.type === 'user.greet' && e.connectionId === id);
    expect(greet.headers['content-type']).toMatch(/^text\/plain/);
    expect(greet.body.toString()).toBe('text data');
    expect(greet.headers['ce-subprotocol']).toBe(PROTOBUF);
    const pack = await pair.handler.waitFor((e) => e.type === 'user.pack' && e.connectionId === id);
    expect(pack.headers['content-type']).toBe('application/x-protobuf');
    expect(pack.body).toEqual(packAny('t/x', Buffer.from([9])));
    const bytes = await pair.handler.waitFor((e) => e.type === 'user.bytes' && e.connectionId === id);
    expect(bytes.headers['content-type']).toBe('application/octet-stream');
    // The recorder echoes each event with its content type; the service hands the answers back as DataMessages.
    await waitFor(() => data(client).length === 3);
    expect(data(client)).toEqual([
      { from: 'server', data: { text_data: 'text data' } },
      { from: 'server', data: { protobuf_data: { type_url: 't/x', value: Buffer.from([9]) } } },
      { from: 'server', data: { binary_data: Buffer.from([1, 2]) } },
    ]);
    expect(decoded(client).find((m) => m.ack_message)?.ack_message).toEqual({ ack_id: 7, success: true });
    client.ws.close();
  });

  it('acks refusals (Forbidden, BadRequest, Duplicate), drops undecodable frames, and answers a ping with a pong', async () => {
    const { client } = await protobufClient('strict', PROTOBUF, []);
    client.ws.send(encodeUpstream({ join_group_message: { group: 'locked', ack_id: 1 } }));
    client.ws.send(encodeUpstream({ join_group_message: { group: '', ack_id: 2 } }));
    client.ws.send(encodeUpstream({ leave_group_message: { group: 'locked', ack_id: 1 } }));
    client.ws.send(Buffer.from([0xff, 0xff, 0xff]));
    client.ws.send('a text frame');
    await settle(client);
    const acks = decoded(client).flatMap((m) => (m.ack_message ? [m.ack_message] : []));
    // Malformed and duplicate requests are refused as they arrive; the join waits its turn in the queue.
    expect(acks.map((a) => [a.ack_id, a.success, a.error?.name]).sort((a, b) => String(a[2]).localeCompare(String(b[2])))).toEqual([
      [2, false, 'BadRequest'],
      [1, false, 'Duplicate'],
      [1, false, 'Forbidden'],
    ]);
    expect(client.closed).toBeUndefined();
    client.ws.close();
  });

  it('numbers messages on protobuf.reliable, forgets what is acked, and replays the rest after a dropped socket', async () => {
    const first = await protobufClient('rel', RELIABLE_PROTOBUF);
    expect(first.token).not.toBe('');
    await service.sendToUser('rel', 'one', { contentType: 'text/plain' });
    await service.sendToUser('rel', 'two', { contentType: 'text/plain' });
    await waitFor(() => data(first.client).length === 2);
    expect(data(first.client).map((d) => [d.sequence_id, d.data.text_data])).toEqual([[1, 'one'], [2, 'two']]);
    first.client.ws.send(encodeUpstream({ sequence_ack_message: { sequence_id: 1 } }));
    await settle(first.client);
    first.client.ws.terminate();
    await waitFor(() => first.client.closed);
    await service.sendToUser('rel', 'three', { contentType: 'text/plain' });

    const again = await openClient(`${first.url}&awps_connection_id=${first.id}&awps_reconnection_token=${encodeURIComponent(first.token)}`, RELIABLE_PROTOBUF);
    await waitFor(() => data(again).length === 2);
    expect(data(again).map((d) => [d.sequence_id, d.data.text_data])).toEqual([[2, 'two'], [3, 'three']]);
    expect(decoded(again).some((m) => m.system_message)).toBe(false);
    again.ws.close();
  });
});
