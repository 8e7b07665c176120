import { expect, it } from 'vitest';
import type WebSocket from 'ws';
import { signatureHeader, WEBPUBSUB_EVENT_HANDLER_PATH, type ClientFrame } from '@parley/contracts';
import { ChatClient, type ServiceDialect, type Stack } from '@parley/stack';
import { eventually } from '@parley/testkit';
import { reportRow } from '../report.js';
import { paced } from './pace.js';

export { paced } from './pace.js';

/** What every hostile case can reach; filled in by the spec's beforeAll. */
export interface HostileContext {
  readonly service: ServiceDialect;
  stack: Stack;
  /** Sends most hostile frames; the same connection then sends the marker. */
  alice: ChatClient;
  /** Connected throughout: sees every lobby message and presence change, reads history. */
  watcher: ChatClient;
  /** The gateway's own client-token key (set for the stack, so tokens can be forged and replayed). */
  readonly tokenKey: string;
  /** The environment the gateway starts with: a case may change it and restart the gateway (key rotation). */
  readonly gatewayEnv: Record<string, string>;
}

export type Where = { room?: string; to?: string };

let counter = 0;
/** Unique per run: cases never see each other's users, rooms or ids. */
export const fresh = (prefix: string) => `${prefix}-${process.pid.toString(36)}-${(counter++).toString(36)}`;

/**
 * One hostile case: `asserted` says what it checks (it goes into the report
 * table). Every case asserts its exact refusal and that nothing was stored or
 * delivered, by a positive marker sent afterwards on the same path.
 */
export function hostileCase(ctx: HostileContext, name: string, asserted: string, body: () => Promise<void>, timeoutMs = 120_000): void {
  it(name, { timeout: timeoutMs }, async () => {
    try {
      await body();
      reportRow({ kind: 'hostile', name, ok: true, asserted, dialect: ctx.service });
    } catch (error) {
      reportRow({ kind: 'hostile', name, ok: false, asserted, dialect: ctx.service });
      throw error;
    }
  });
}

export const socketOf = (client: ChatClient) => (client as unknown as { socket: WebSocket }).socket;

/** Sends raw bytes on the client's socket and returns the error ack for exactly `id` (which may be ''). */
export async function refusedWith(client: ChatClient, raw: string | Buffer, id: string, code: string): Promise<Record<string, unknown>> {
  const since = client.frames.length;
  const ack = client.waitFor((f) => f.type === 'ack' && f.id === id, 15_000, since);
  await paced(client.user);
  socketOf(client).send(raw, { binary: Buffer.isBuffer(raw) });
  const answer = await ack;
  expect(answer, `the answer to ${id || 'a frame without id'}`).toMatchObject({ ok: false, error: { code } });
  return answer.error as Record<string, unknown>;
}

/** A frame the gateway accepts (ok ack) and a chat rule then refuses: an `error` frame with the code for its id. */
export async function ruleRefused(client: ChatClient, frame: ClientFrame, code: string): Promise<void> {
  const since = client.frames.length;
  const refusal = client.waitFor((f) => f.type === 'error' && f.id === frame.id, 20_000, since);
  await paced(client.user);
  const ack = await client.request(frame);
  expect(ack).toMatchObject({ ok: true });
  expect(await refusal).toMatchObject({ error: { code } });
}

let markers = 0;

/**
 * The positive marker: `sender` sends a valid message on the same path after
 * the hostile input; once the watcher has it live and history holds it, the
 * hostile ids can no longer arrive (one connection's events are handled in
 * order), and must be in neither.
 */
export async function nothingLeaked(ctx: HostileContext, sender: ChatClient, hostileIds: readonly string[], where: Where = {}, watcher = ctx.watcher): Promise<void> {
  const id = `marker-${++markers}`;
  await paced(sender.user);
  const ack = await sender.request({ type: 'send', id, text: `marker after ${hostileIds.join(' ')}`, ...where } as ClientFrame);
  expect(ack, 'the marker is accepted').toMatchObject({ ok: true });
  await watcher.waitFor((f) => f.type === 'message' && f.clientId === id && f.from === sender.user, 60_000);
  const leaked = watcher.frames.filter((f) => f.type === 'message' && f.from === sender.user && hostileIds.includes(String(f.clientId)));
  expect(leaked, 'hostile frames delivered').toEqual([]);
  const stored = await storedIds(watcher, where.room ? { room: where.room } : where.to ? { with: sender.user } : {});
  expect(stored, 'the marker is stored').toContain(id);
  for (const hostile of hostileIds) expect(stored, `${hostile} is not stored`).not.toContain(hostile);
}

/** Client ids of the newest 100 messages of a conversation, as `reader` sees it. */
export async function storedIds(reader: ChatClient, conversation: { room?: string; with?: string }): Promise<string[]> {
  const id = `read-${++markers}`;
  await paced(reader.user);
  reader.send({ type: 'history', id, limit: 100, ...conversation });
  const answer = await reader.waitFor((f) => f.type === 'history' && f.id === id, 20_000);
  return (answer.messages as Array<{ clientId: string }>).map((m) => m.clientId);
}

/**
 * The marker for a refused connect: the same user then connects for real and
 * leaves. The watcher must see it come online and go offline, which a phantom
 * connection left by the refused attempt would prevent, and no presence of it before.
 */
export async function noPhantomConnection(ctx: HostileContext, user: string, options: { seenBefore?: boolean } = {}): Promise<void> {
  const since = ctx.watcher.frames.length;
  const client = await ChatClient.connect(ctx.stack.gatewayUrl, user);
  await ctx.watcher.waitFor((f) => f.type === 'presence' && f.user === user && f.online === true, 60_000, since);
  if (!options.seenBefore) {
    expect(ctx.watcher.frames.slice(0, since).filter((f) => f.type === 'presence' && f.user === user), 'presence before the real connect').toEqual([]);
  }
  await client.close();
  await ctx.watcher.waitFor((f) => f.type === 'presence' && f.user === user && f.online === false, 60_000, since);
}

/** Restarts a component until it comes up: on a slow machine a start can miss its ready timeout. */
export async function restartUntilUp(ctx: HostileContext, name: Parameters<Stack['start']>[0]): Promise<void> {
  await ctx.stack.stopComponent(name);
  await eventually(() => ctx.stack.start(name).then(() => true), `${name} started again`, 180_000, 1_000);
}

export const accessKeyOf = (connectionString: string) => /AccessKey=([^;]+)/.exec(connectionString)?.[1] ?? '';

export interface EdgeCall {
  connectionId: string;
  user?: string;
  body?: string | Buffer;
  /** Keys the signature is made with; none: no signature header. */
  keys?: readonly string[];
  /** Sign another connection id than the one named (a replayed header). */
  signedConnectionId?: string;
  hub?: string;
  /** Seed dialect: the `?event=` of the URL, when it should disagree with the header. */
  queryEvent?: string;
  /** Web PubSub: the user event's name. */
  eventName?: string;
  contentType?: string;
}

/** One `message` call to the gateway's edge, as the WebSocket service of the stack's dialect would make it. */
export async function edgeCall(ctx: HostileContext, call: EdgeCall): Promise<{ status: number; body: Record<string, unknown> }> {
  const signature = call.keys ? signatureHeader(call.signedConnectionId ?? call.connectionId, call.keys) : undefined;
  const headers: Record<string, string> = { 'content-type': call.contentType ?? 'text/plain' };
  let url: string;
  if (ctx.service === 'webpubsub') {
    url = `${ctx.stack.gatewayUrl}${WEBPUBSUB_EVENT_HANDLER_PATH}`;
    const eventName = call.eventName ?? 'message';
    Object.assign(headers, {
      'ce-specversion': '1.0',
      'ce-awpsversion': '1.0',
      'ce-type': `azure.webpubsub.user.${eventName}`,
      'ce-source': `/hubs/${call.hub ?? 'chat'}/client/${call.connectionId}`,
      'ce-id': fresh('ce'),
      'ce-time': new Date().toISOString(),
      'ce-hub': call.hub ?? 'chat',
      'ce-connectionid': call.connectionId,
      'ce-eventname': eventName,
      'webhook-request-origin': new URL(ctx.stack.signalrUrl).host,
    });
    if (call.user) headers['ce-userid'] = call.user;
    if (signature) headers['ce-signature'] = signature;
  } else {
    url = `${ctx.stack.gatewayUrl}/api/messages?event=${call.queryEvent ?? 'message'}`;
    Object.assign(headers, { 'x-asrs-hub': call.hub ?? 'chat', 'x-asrs-category': 'messages', 'x-asrs-event': 'message', 'x-asrs-connection-id': call.connectionId });
    if (call.user) headers['x-asrs-user-id'] = call.user;
    if (signature) headers['x-asrs-signature'] = signature;
  }
  const response = await fetch(url, { method: 'POST', headers, body: call.body ?? '' });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/**
 * The marker for a refused edge call: a correctly signed call for the same
 * connection and user with a valid lobby message is accepted, shown to the
 * watcher and stored, and the hostile ids are in neither.
 */
export async function edgeMarker(ctx: HostileContext, connectionId: string, user: string, hostileIds: readonly string[], keys = [primaryKey(ctx)]): Promise<void> {
  const id = `marker-${++markers}`;
  const answer = await edgeCall(ctx, { connectionId, user, keys, body: JSON.stringify({ type: 'send', id, text: 'signed marker' }) });
  expect(answer, 'the signed marker call').toMatchObject({ status: 200, body: { type: 'ack', id, ok: true } });
  await ctx.watcher.waitFor((f) => f.type === 'message' && f.clientId === id && f.from === user, 20_000);
  expect(ctx.watcher.frames.filter((f) => f.type === 'message' && hostileIds.includes(String(f.clientId)))).toEqual([]);
  const stored = await storedIds(ctx.watcher, {});
  expect(stored).toContain(id);
  for (const hostile of hostileIds) expect(stored).not.toContain(hostile);
}

export const primaryKey = (ctx: HostileContext) => accessKeyOf(ctx.stack.connectionStrings.signalr ?? '');
