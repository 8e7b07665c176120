import { Type } from '@sinclair/typebox';
import { ClientId, Limits, Name, strict } from './frame-fields.js';

/** Asks for a room's members with their roles and presence (members only, for a private room). */
export const MembersFrame = Type.Object({ type: Type.Literal('members'), id: ClientId, room: Name }, strict);
/** Asks for public rooms whose name starts with `prefix` (all when absent), by name, after `after`. */
export const DirectoryFrame = Type.Object(
  {
    type: Type.Literal('directory'),
    id: ClientId,
    prefix: Type.Optional(Type.String({ maxLength: Limits.maxNameChars })),
    after: Type.Optional(Name),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: Limits.maxDirectoryLimit })),
  },
  strict,
);
/** The owner makes a member a moderator, or a moderator a member again. */
export const RoleFrame = Type.Object(
  { type: Type.Literal('role'), id: ClientId, room: Name, user: Name, role: Type.Union([Type.Literal('moderator'), Type.Literal('member')]) },
  strict,
);
/** The owner or a moderator removes a member from the room (they may join again unless banned). */
export const RemoveFrame = Type.Object({ type: Type.Literal('remove'), id: ClientId, room: Name, user: Name }, strict);
/** The owner or a moderator bans a user from the room (removing them); `lift: true` ends the ban. */
export const BanFrame = Type.Object({ type: Type.Literal('ban'), id: ClientId, room: Name, user: Name, lift: Type.Optional(Type.Literal(true)) }, strict);
/** The owner or a moderator mutes a member for `minutes` (0 ends the mute): they may read but not send, edit or react. */
export const MuteFrame = Type.Object(
  { type: Type.Literal('mute'), id: ClientId, room: Name, user: Name, minutes: Type.Integer({ minimum: 0, maximum: Limits.maxMuteMinutes }) },
  strict,
);
