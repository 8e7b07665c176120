import type { Duplex } from 'node:stream';

/**
 * Write coalescing: the first frame queued to a socket in an event-loop turn
 * corks it, and all corked sockets are flushed once at the end of the turn.
 * When several sends reach one client in the same turn (a burst of REST
 * calls), they leave in one syscall instead of one each; an idle turn costs
 * one setImmediate.
 */
const corked: Duplex[] = [];
let scheduled = false;

function flush(): void {
  scheduled = false;
  for (const socket of corked) socket.uncork();
  corked.length = 0;
}

/** Corks `socket` until the end of this turn, unless it already is. */
export function holdUntilTurnEnds(socket: Duplex): void {
  if (socket.writableCorked > 0 || socket.destroyed) return;
  socket.cork();
  corked.push(socket);
  if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
}
