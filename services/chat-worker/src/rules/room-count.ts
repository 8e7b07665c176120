import type { RoomCounter } from './moderation-writes.js';
import type { Decision, ProjectionWrite } from './types.js';

/**
 * Adds the room row's bookkeeping to a decision that changes a room: its member count (+1 per
 * member added, −1 per member removed) rewritten with the ETag it was loaded with, so concurrent
 * changes from other workers are decided one after the other (a loser's commit is stale and
 * decides again on the new count); and, for a public room whose count changed, a copy of the
 * count to the directory. A room that is being created gets its count on its new row. A room older
 * than its row (no counter, not created now) is left uncounted. On a frozen state (a redelivery:
 * no count) only the directory copy comes out; the room's rows were committed the first time.
 */
export function withRoomCount(room: string, counter: RoomCounter | undefined, decision: Decision): Decision {
  if (decision.rejected !== undefined || decision.writes.length === 0) return decision;
  let delta = 0;
  for (const write of decision.writes) {
    if (write.kind === 'putMember' && write.room === room) delta += 1;
    else if (write.kind === 'removeMember' && write.room === room) delta -= 1;
  }
  const members = (counter?.members ?? 0) + delta;
  const created = decision.writes.find((write) => write.kind === 'putRoom' && write.room === room);
  if (created === undefined && counter === undefined) return decision;
  const hub = decision.writes[0]!.hub;
  let writes: ProjectionWrite[] = [...decision.writes];
  if (created) writes = writes.map((write) => (write === created ? { ...created, members } : write));
  else if (counter?.members !== undefined) writes.push({ kind: 'countRoom', hub, room, members, ...(counter.etag === undefined ? {} : { etag: counter.etag }) });
  const visibility = created?.kind === 'putRoom' ? created.visibility : counter?.visibility;
  if (visibility === 'public' && (created !== undefined || delta !== 0)) writes.push({ kind: 'copyToDirectory', hub, room });
  return { ...decision, writes };
}
