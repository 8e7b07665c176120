import type { RoomCounter } from './moderation-writes.js';
import type { Decision, ProjectionWrite } from './types.js';

/**
 * Adds the room row's bookkeeping to a decision that changes a room: the next version and the
 * member count (+1 per member added, −1 per member removed), committed with the ETag the count
 * was loaded with, so concurrent changes from other workers are decided one after the other
 * (a loser's commit is stale and decides again on the new count); and, for a public room whose
 * count changed, the directory's copy of it. A room that is being created gets both on its new
 * row. A room older than its row (no counter, not created now) is left uncounted.
 */
export function withRoomCount(room: string, counter: RoomCounter | undefined, decision: Decision): Decision {
  if (decision.rejected !== undefined || decision.writes.length === 0) return decision;
  let delta = 0;
  for (const write of decision.writes) {
    if (write.kind === 'putMember' && write.room === room) delta += 1;
    else if (write.kind === 'removeMember' && write.room === room) delta -= 1;
  }
  const members = (counter?.members ?? 0) + delta;
  const version = (counter?.version ?? 0) + 1;
  const created = decision.writes.find((write) => write.kind === 'putRoom' && write.room === room);
  if (created === undefined && counter === undefined) return decision;
  const hub = decision.writes[0]!.hub;
  const writes: ProjectionWrite[] = created
    ? decision.writes.map((write) => (write === created ? { ...created, members, version } : write))
    : [...decision.writes, { kind: 'countRoom', hub, room, members, version, ...(counter?.etag === undefined ? {} : { etag: counter.etag }) }];
  const visibility = created?.kind === 'putRoom' ? created.visibility : counter?.visibility;
  if (visibility === 'public' && (created !== undefined || delta !== 0)) writes.push({ kind: 'putDirectory', hub, room, members, version });
  return { ...decision, writes };
}
