import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import WebSocket from 'ws';
import { CHAT_SUBPROTOCOL, unpackServerFrames, type ClientFrame, type ServerFrame } from '@parley/contracts';
import { eventually } from '@parley/testkit';
import { SERVICE_DIALECTS } from './dialect.js';
import { startTestStack } from './e2e-setup.js';
import type { Stack } from './stack.js';

/** A signed-in person over a real WebSocket: negotiate with an access token of the local provider, then the URL it hands out. */
class Person {
  readonly frames: ServerFrame[] = [];
  private constructor(readonly user: string, private readonly socket: WebSocket) {
    socket.on('message', (data, isBinary) => {
      if (!isBinary) this.frames.push(...(unpackServerFrames(JSON.parse(data.toString())) as ServerFrame[]));
    });
  }

  static async signIn(stack: Stack, user: string, name: string): Promise<Person> {
    const token = await stack.identityProvider!.mint({ sub: user, claims: { name } });
    const response = await fetch(`${stack.gatewayUrl}/api/negotiate`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) throw new Error(`negotiate answered ${response.status}: ${await response.text()}`);
    const answer = (await response.json()) as { url: string; user: string; displayName?: string };
    expect(answer).toMatchObject({ user, displayName: name });
    const socket = new WebSocket(answer.url, [CHAT_SUBPROTOCOL]);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const person = new Person(user, socket);
    await person.waitFor((f) => f.type === 'state');
    return person;
  }

  send(frame: ClientFrame): void {
    this.socket.send(JSON.stringify(frame));
  }

  waitFor<T extends ServerFrame>(test: (frame: ServerFrame) => frame is T): Promise<T>;
  waitFor(test: (frame: ServerFrame) => boolean): Promise<ServerFrame>;
  async waitFor(test: (frame: ServerFrame) => boolean): Promise<ServerFrame> {
    return eventually(() => this.frames.find(test), `a frame for ${this.user}`, 20_000);
  }

  close(): void {
    this.socket.close();
  }
}

// The production shape: the user id is an opaque object id, the name comes from the access token's
// `name` claim — which a Web PubSub client token cannot carry, so it travels as chat.profile.
describe.each(SERVICE_DIALECTS)('display names end to end on the %s dialect, signed in through the local OpenID provider', (service) => {
  let stack: Stack;
  let cleanup: () => Promise<void>;
  let logs: string[] = [];
  const people: Person[] = [];

  beforeAll(async () => {
    ({ stack, logs, cleanup } = await startTestStack({ inMemory: true, service, auth: 'oidc' }));
  });
  afterAll(async () => {
    for (const person of people) person.close();
    await cleanup?.();
  });

  it('bob sees alice\'s display name on her message, in her presence and in history; the ids stay the ids', async () => {
    onTestFailed(() => console.log(logs.filter((line) => /"level":(40|50|60)/.test(line)).slice(-40).join('\n')));
    const aliceId = '6f1c2a9e-0d4b-4a51-9a57-3c2f5e8b7d10';
    const bobId = 'b0b0b0b0-1111-4222-8333-944445555666';
    const bob = await Person.signIn(stack, bobId, 'Bob Marley');
    people.push(bob);
    const alice = await Person.signIn(stack, aliceId, 'Alice Liddell');
    people.push(alice);
    // alice's state names bob, who was online before her.
    expect(alice.frames.find((f) => f.type === 'state')).toMatchObject({ names: { [bobId]: 'Bob Marley', [aliceId]: 'Alice Liddell' } });

    await expect(bob.waitFor((f) => f.type === 'presence' && f.user === aliceId && f.online)).resolves.toMatchObject({ name: 'Alice Liddell' });
    alice.send({ type: 'send', id: 'hello-1', text: 'hello from alice' });
    const message = await bob.waitFor((f) => f.type === 'message' && f.clientId === 'hello-1');
    expect(message).toMatchObject({ from: aliceId, fromName: 'Alice Liddell', text: 'hello from alice' });

    bob.send({ type: 'history', id: 'h-1', limit: 10 });
    const history = await bob.waitFor((f) => f.type === 'history' && f.id === 'h-1');
    expect(history).toMatchObject({ messages: [expect.objectContaining({ from: aliceId, fromName: 'Alice Liddell' })] });
  });
});
