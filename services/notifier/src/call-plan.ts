import { batchFrameText, type NotifierAction } from '@parley/contracts';
import type { RestRequest } from '@parley/websocket-rest';

/** How much one merged call may carry. */
export interface CoalesceLimits {
  /** Frames in one call; 1 turns coalescing off. */
  readonly maxFrames: number;
  /** UTF-8 bytes of a merged call's body (Web PubSub takes up to 1 MiB). */
  readonly maxBodyBytes: number;
}

/** One REST call and the commands (their indices in the batch, in order) whose outcome it decides. */
export interface PlannedCall {
  readonly indices: readonly number[];
  readonly request: RestRequest;
}

/**
 * What a batch of commands comes to, in order: runs of sends, each split into lanes (one per
 * target; a lane's calls go one after the other, the lanes of one run side by side), and
 * barriers (a membership change or a close), each made alone once everything before it is done.
 */
export type PlanStep = { readonly kind: 'sends'; readonly lanes: readonly (readonly PlannedCall[])[] } | { readonly kind: 'barrier'; readonly call: PlannedCall };

/** The commands that carry a frame, so several of them to one target can share a call. */
export const SEND_ACTIONS: ReadonlySet<NotifierAction> = new Set(['sendToAll', 'sendToGroup', 'sendToUser', 'sendToConnection']);

/**
 * Plans the REST calls of a batch of commands (their requests, in session order). Sends to the
 * same target — the same method and path, query included, so every field that changes the
 * call is part of the key — between two barriers become one call whose body is a batch frame of
 * their frames in order, split at `limits`; a call with one frame keeps that frame as its body.
 * Anything else is a barrier: a membership change decides who a later send reaches, and a
 * close ends a connection an earlier send was meant for, so neither may move past a send.
 * Pure: the order a target's frames arrive in is decided here and tested without a network.
 */
export function planCalls(requests: readonly RestRequest[], limits: CoalesceLimits): PlanStep[] {
  const steps: PlanStep[] = [];
  let lanes = new Map<string, number[]>();
  const flush = () => {
    if (lanes.size === 0) return;
    steps.push({ kind: 'sends', lanes: [...lanes.values()].map((indices) => chunk(indices, requests, limits)) });
    lanes = new Map();
  };
  for (const [index, request] of requests.entries()) {
    if (!SEND_ACTIONS.has(request.action) || request.body === undefined) {
      flush();
      steps.push({ kind: 'barrier', call: { indices: [index], request } });
      continue;
    }
    const key = `${request.method} ${request.path}`;
    const lane = lanes.get(key);
    if (lane) lane.push(index);
    else lanes.set(key, [index]);
  }
  flush();
  return steps;
}

/** Bytes of `{"type":"batch","frames":[` and `]}` around the frames. */
const BATCH_OVERHEAD_BYTES = Buffer.byteLength(batchFrameText([]));

/** One target's sends, in order, as calls of at most `limits` each. */
function chunk(indices: readonly number[], requests: readonly RestRequest[], limits: CoalesceLimits): PlannedCall[] {
  const calls: PlannedCall[] = [];
  let current: number[] = [];
  let bytes = BATCH_OVERHEAD_BYTES;
  const close = () => {
    if (current.length > 0) calls.push(merged(current, requests));
    current = [];
    bytes = BATCH_OVERHEAD_BYTES;
  };
  for (const index of indices) {
    const frameBytes = Buffer.byteLength(requests[index]!.body ?? '');
    // A frame joins the open call behind a comma; one too big to share a call goes alone.
    if (current.length > 0 && (current.length >= limits.maxFrames || bytes + 1 + frameBytes > limits.maxBodyBytes)) close();
    bytes += current.length > 0 ? 1 + frameBytes : frameBytes;
    current.push(index);
  }
  close();
  return calls;
}

function merged(indices: readonly number[], requests: readonly RestRequest[]): PlannedCall {
  const first = requests[indices[0]!]!;
  if (indices.length === 1) return { indices, request: first };
  return { indices, request: { ...first, body: batchFrameText(indices.map((index) => requests[index]!.body!)) } };
}
