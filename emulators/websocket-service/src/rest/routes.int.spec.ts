import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openClient, rest, type TestClient } from '../testing/clients.js';
import { PRIMARY, startPair, type Pair } from '../testing/emulator.js';
import { waitFor } from '../testing/wait.js';

describe('REST API', () => {
  let pair: Pair;
  let api: string;
  const seen = new Set<string>();
  beforeAll(async () => {
    pair = await startPair();
    api = `${pair.emulator.url}/ws/api/v1/hubs`;
  });
  afterAll(() => pair.close());

  const call = (path: string, method = 'POST', body?: string | Buffer, contentType?: string) =>
    rest(`${api}${path}`, PRIMARY, { method, ...(body !== undefined ? { body } : {}), ...(contentType ? { contentType } : {}) });

  async function connect(hub: string, user: string, format = 'text'): Promise<{ client: TestClient; id: string }> {
    const query = `user=${encodeURIComponent(user)}`;
    const client = await openClient(`${pair.ws}/ws/client/hubs/${hub}/formats/${format}?${query}`);
    const connect = await pair.upstream.waitForCall(
      (c) => c.event === 'connect' && c.headers['x-asrs-hub'] === hub && String(c.headers['x-asrs-client-query']) === query && !seen.has(c.connectionId),
    );
    seen.add(connect.connectionId);
    return { client, id: connect.connectionId };
  }

  /** Sends a marker to everyone in the hub and waits for it, so that "received nothing" is checked after the fact. */
  async function settle(hub: string, clients: TestClient[]) {
    const marker = `marker-${Math.random()}`;
    expect((await call(`/${hub}`, 'POST', marker, 'text/plain')).status).toBe(202);
    await waitFor(() => clients.every((c) => c.texts().includes(marker)), 10_000, 'the marker');
    return (c: TestClient) => c.texts().filter((t) => !t.startsWith('marker-'));
  }

  it('broadcasts to every connection of the hub only, as text or binary by content type, with exclusions', async () => {
    const a = await connect('bc', 'a');
    const b = await connect('bc', 'b', 'binary');
    const other = await connect('bc2', 'c');
    expect((await call('/bc', 'POST', '{"type":"state"}', 'application/json')).status).toBe(202);
    expect(await a.client.next()).toEqual({ data: Buffer.from('{"type":"state"}'), binary: false });
    expect(await b.client.next()).toEqual({ data: Buffer.from('{"type":"state"}'), binary: false });
    expect((await call('/bc', 'POST', Buffer.from([1, 2]), 'application/octet-stream')).status).toBe(202);
    expect(await a.client.next()).toEqual({ data: Buffer.from([1, 2]), binary: true });
    // No content type: each connection's own format.
    expect((await call(`/bc?excluded=${b.id}`, 'POST', Buffer.from('no type'))).status).toBe(202);
    expect(await a.client.next()).toEqual({ data: Buffer.from('no type'), binary: false });
    expect((await call(`/bc?excluded=${a.id}`, 'POST', Buffer.from('no type'))).status).toBe(202);
    const left = await settle('bc', [a.client, b.client]);
    expect(b.client.frames.slice(1, 3)).toEqual([
      { data: Buffer.from([1, 2]), binary: true },
      { data: Buffer.from('no type'), binary: true },
    ]);
    expect(left(a.client)).toHaveLength(3);
    expect(other.client.frames).toHaveLength(0);
    for (const c of [a, b, other]) c.client.ws.close();
  });

  it('sends to a user (all their connections) and to one connection', async () => {
    const u1 = await connect('su', 'ann');
    const u2 = await connect('su', 'ann');
    const v = await connect('su', 'ben');
    expect((await call('/su/users/ann', 'POST', 'to-ann', 'text/plain')).status).toBe(202);
    expect((await call(`/su/connections/${v.id}`, 'POST', 'to-ben', 'text/plain')).status).toBe(202);
    expect((await call('/su/users/nobody', 'POST', 'lost', 'text/plain')).status).toBe(202);
    const left = await settle('su', [u1.client, u2.client, v.client]);
    expect(left(u1.client)).toEqual(['to-ann']);
    expect(left(u2.client)).toEqual(['to-ann']);
    expect(left(v.client)).toEqual(['to-ben']);
    for (const c of [u1, u2, v]) c.client.ws.close();
  });

  it('manages connection membership of groups; it ends with the connection', async () => {
    const a = await connect('gc', 'a');
    const b = await connect('gc', 'b');
    expect((await call(`/gc/groups/room/connections/${a.id}`, 'PUT')).status).toBe(200);
    expect((await call(`/gc/groups/room/connections/nope`, 'PUT')).status).toBe(404);
    expect((await call('/gc/groups/room', 'HEAD')).status).toBe(200);
    expect((await call('/gc/groups/room', 'POST', 'g1', 'text/plain')).status).toBe(202);
    expect((await call(`/gc/groups/room/connections/${a.id}`, 'DELETE')).status).toBe(200);
    expect((await call('/gc/groups/room', 'POST', 'g2', 'text/plain')).status).toBe(202);
    expect((await call('/gc/groups/room', 'HEAD')).status).toBe(404);
    const left = await settle('gc', [a.client, b.client]);
    expect(left(a.client)).toEqual(['g1']);
    expect(left(b.client)).toEqual([]);
    expect((await call(`/gc/groups/room/connections/${b.id}`, 'PUT')).status).toBe(200);
    b.client.ws.close();
    await waitFor(() => pair.upstream.callsOf('disconnect', b.id).length === 1);
    expect((await call('/gc/groups/room', 'HEAD')).status).toBe(404);
    a.client.ws.close();
  });

  it('user membership covers current and later connections of the user until removed', async () => {
    const first = await connect('gu', 'zoe');
    expect((await call('/gu/groups/team/users/zoe', 'PUT')).status).toBe(200);
    const later = await connect('gu', 'zoe');
    const bystander = await connect('gu', 'max');
    expect((await call('/gu/groups/team', 'POST', 't1', 'text/plain')).status).toBe(202);
    expect((await call('/gu/groups/team/users/zoe', 'DELETE')).status).toBe(200);
    expect((await call('/gu/groups/team', 'POST', 't2', 'text/plain')).status).toBe(202);
    const left = await settle('gu', [first.client, later.client, bystander.client]);
    expect(left(first.client)).toEqual(['t1']);
    expect(left(later.client)).toEqual(['t1']);
    expect(left(bystander.client)).toEqual([]);
    // Membership of a user who is offline is kept for when they connect.
    expect((await call('/gu/groups/team/users/offline', 'PUT')).status).toBe(200);
    const arrives = await connect('gu', 'offline');
    expect((await call('/gu/groups/team', 'HEAD')).status).toBe(200);
    expect((await call('/gu/groups/team', 'POST', 't3', 'text/plain')).status).toBe(202);
    expect((await arrives.client.next()).data.toString()).toBe('t3');
    for (const c of [first, later, bystander, arrives]) c.client.ws.close();
  });

  it('answers HEAD existence checks for connections, users and groups', async () => {
    const c = await connect('ex', 'eve');
    expect((await call(`/ex/connections/${c.id}`, 'HEAD')).status).toBe(200);
    expect((await call('/ex/connections/unknown', 'HEAD')).status).toBe(404);
    expect((await call('/ex/users/eve', 'HEAD')).status).toBe(200);
    expect((await call('/ex/users/adam', 'HEAD')).status).toBe(404);
    expect((await call('/ex/groups/none', 'HEAD')).status).toBe(404);
    expect((await call('/nohub/users/eve', 'HEAD')).status).toBe(404);
    c.client.ws.close();
  });

  it('closes a connection with the given reason; the upstream hears the disconnect', async () => {
    const c = await connect('cl', 'cal');
    expect((await call(`/cl/connections/${c.id}?reason=${encodeURIComponent('kicked by admin')}`, 'DELETE')).status).toBe(200);
    expect(await c.client.waitClosed()).toEqual({ code: 1000, reason: 'kicked by admin' });
    await pair.upstream.waitForCall((x) => x.event === 'disconnect' && x.connectionId === c.id);
    expect((await call(`/cl/connections/${c.id}`, 'DELETE')).status).toBe(200);
  });

  it('answers 404, 405 and 413 where due', async () => {
    expect((await call('/x/nothing/here', 'POST', 'x')).status).toBe(404);
    expect((await call('/x/users/u', 'PUT')).status).toBe(405);
    expect((await call('/x', 'POST', 'x'.repeat(1024 * 1024 + 1), 'text/plain')).status).toBe(413);
    expect((await fetch(`${pair.emulator.url}/elsewhere`)).status).toBe(404);
    expect((await fetch(`${pair.emulator.url}/api/v1/health`)).status).toBe(200);
  });

  it('takes user and group names with reserved characters, percent-encoded', async () => {
    const c = await connect('enc', 'a b/c?d');
    const e = encodeURIComponent;
    expect((await call(`/enc/users/${e('a b/c?d')}`, 'HEAD')).status).toBe(200);
    expect((await call(`/enc/groups/${e('room:dev/1')}/users/${e('a b/c?d')}`, 'PUT')).status).toBe(200);
    expect((await call(`/enc/groups/${e('room:dev/1')}`, 'POST', 'in-room', 'text/plain')).status).toBe(202);
    expect((await c.client.next()).data.toString()).toBe('in-room');
    c.client.ws.close();
  });
});
