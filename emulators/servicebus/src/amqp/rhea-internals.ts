import type { Delivery, Receiver, Sender } from 'rhea';

/**
 * The few rhea internals the broker relies on, typed in one place. rhea's
 * public typings do not describe them; each use says why it is needed.
 */
interface OutgoingInternals {
  next_pending_delivery: number;
  next_delivery_id: number;
  deliveries: { by_id(id: number): { link: unknown } | undefined; available(): number };
}

interface AttachFields {
  source?: unknown;
  target?: unknown;
  snd_settle_mode?: number;
  rcv_settle_mode?: number;
  max_message_size?: number;
  properties?: unknown;
}

export interface RemoteTerminus {
  address?: string;
  filter?: Record<string, unknown>;
}

interface LinkInternals {
  name: string;
  credit: number;
  local: { attach: AttachFields };
  remote: { attach?: AttachFields & { source?: RemoteTerminus; target?: RemoteTerminus; properties?: Record<string, unknown> } };
  state: { local_open: boolean; open_requests: number };
  session: { outgoing: OutgoingInternals };
}

function internals(link: Sender | Receiver): LinkInternals {
  return link as unknown as LinkInternals;
}

export function remoteAttach(link: Sender | Receiver): NonNullable<LinkInternals['remote']['attach']> {
  return internals(link).remote.attach ?? {};
}

export function localAttach(link: Sender | Receiver): AttachFields {
  return internals(link).local.attach;
}

/**
 * rhea answers an incoming attach as soon as the open event returns. To make
 * acceptNextSession wait for a session, the answer is held back here and sent
 * later by `sendHeldAttach`.
 */
export function holdAttach(link: Sender | Receiver): void {
  const state = internals(link).state;
  if (state.local_open && state.open_requests > 0) {
    state.local_open = false;
    state.open_requests--;
  }
}

export function sendHeldAttach(link: Sender | Receiver): void {
  link.attach();
}

/**
 * Deliveries the link may still send. rhea lowers `credit` only when it
 * writes a transfer (next tick), so sends queued this tick are subtracted,
 * and the session's outgoing buffer must have room.
 */
export function sendableCount(sender: Sender): number {
  const link = internals(sender);
  const out = link.session.outgoing;
  let queued = 0;
  for (let id = out.next_pending_delivery; id < out.next_delivery_id; id++) {
    if (out.deliveries.by_id(id)?.link === sender) queued++;
  }
  return Math.max(0, Math.min(link.credit - queued, out.deliveries.available()));
}

/**
 * Settles a delivery the client sent unsettled in rcv-settle-mode second.
 * rhea's receiver never confirms our settlement, so the delivery is marked
 * remotely settled too, or it would stay in the session buffer for good.
 */
export function settleWithOutcome(delivery: Delivery, outcome: unknown): void {
  delivery.update(true, outcome);
  (delivery as { remote_settled: boolean }).remote_settled = true;
}

/**
 * Drops a connection whose socket the broker destroyed. rhea only notices a
 * socket ending through its 'end' event, which destroy() does not emit, and
 * would keep the connection's heartbeat timers (and the process) alive.
 */
export function forgetConnection(connection: unknown): void {
  const c = connection as { _disconnected?: (error?: unknown) => void };
  c._disconnected?.();
}
