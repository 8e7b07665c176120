type Frame = Record<string, unknown>;

/** What the helper needs of the stack's ChatClient (the page's project imports nothing of the stack). */
interface Inviter {
  readonly frames: readonly Frame[];
  request(frame: { type: 'invite'; id: string; room: string; user: string }): Promise<Frame>;
  waitFor(test: (frame: Frame) => boolean, timeoutMs?: number, since?: number): Promise<Frame>;
}

/**
 * `inviter` adds `user` to `room` through the API and waits until the room says so. The page
 * is online once the gateway says hello, before the chat-worker has handled the connection
 * that makes the user known: an invite in between is refused (`PARLEY_UNKNOWN_USER`), which is
 * the product's rule, not this test's subject — so that refusal is asked again, a few times.
 */
export async function inviteWhenKnown(inviter: Inviter, room: string, user: string): Promise<void> {
  for (let attempt = 1; attempt <= 20; attempt++) {
    const id = `invite-${room}-${user}-${attempt}`;
    const since = inviter.frames.length;
    const ack = await inviter.request({ type: 'invite', id, room, user });
    if (ack.ok !== true) throw new Error(`invite of ${user} refused by the gateway: ${JSON.stringify(ack)}`);
    const answer = await inviter.waitFor(
      (f) => (f.type === 'room' && f.room === room && f.user === user && f.event === 'invited') || (f.type === 'error' && f.id === id),
      30_000,
      since,
    );
    if (answer.type === 'room') return;
    const code = (answer.error as { code?: string } | undefined)?.code;
    if (code !== 'PARLEY_UNKNOWN_USER') throw new Error(`invite of ${user} refused: ${JSON.stringify(answer)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${user} never became known to the chat-worker`);
}
