import { Type, type Static } from '@sinclair/typebox';
import { ErrorCodes, type Result } from './errors.js';
import { parseEnvelope, ENVELOPE_VERSION } from './bus-events.js';
import { ServerFrame } from './frames-server.js';
import { compile } from './validate.js';
import { partitionSessionId } from './partition.js';

const Id = Type.String({ minLength: 1, maxLength: 256 });
const Hub = Type.String({ minLength: 1, maxLength: 128 });
const strict = { additionalProperties: false } as const;

export const SendToConnection = Type.Object({ action: Type.Literal('sendToConnection'), hub: Hub, connectionId: Id, frame: ServerFrame }, strict);
export const SendToUser = Type.Object({ action: Type.Literal('sendToUser'), hub: Hub, userId: Id, frame: ServerFrame }, strict);
export const SendToGroup = Type.Object({ action: Type.Literal('sendToGroup'), hub: Hub, group: Id, frame: ServerFrame }, strict);
export const SendToAll = Type.Object({ action: Type.Literal('sendToAll'), hub: Hub, frame: ServerFrame }, strict);
export const AddConnectionToGroup = Type.Object({ action: Type.Literal('addConnectionToGroup'), hub: Hub, group: Id, connectionId: Id }, strict);
export const AddUserToGroup = Type.Object({ action: Type.Literal('addUserToGroup'), hub: Hub, group: Id, userId: Id }, strict);
export const RemoveUserFromGroup = Type.Object({ action: Type.Literal('removeUserFromGroup'), hub: Hub, group: Id, userId: Id }, strict);
export const CloseConnection = Type.Object(
  { action: Type.Literal('closeConnection'), hub: Hub, connectionId: Id, reason: Type.Optional(Type.String({ maxLength: 512 })) },
  strict,
);

export const NotifierCommand = Type.Union([
  SendToConnection,
  SendToUser,
  SendToGroup,
  SendToAll,
  AddConnectionToGroup,
  AddUserToGroup,
  RemoveUserFromGroup,
  CloseConnection,
]);
export type NotifierCommand = Static<typeof NotifierCommand>;
export type NotifierAction = NotifierCommand['action'];

export const NotifierCommandMetadata = Type.Object({
  /** Derived from the causing event id and the command's index: stable across reprocessing. */
  commandId: Type.String({ minLength: 1, maxLength: 128 }),
  causationId: Type.String({ minLength: 1, maxLength: 64 }),
  traceparent: Type.Optional(Type.String({ maxLength: 128 })),
});

export const NotifierEnvelope = Type.Object(
  { type: Type.Literal('notify.command'), version: Type.Literal(ENVELOPE_VERSION), data: NotifierCommand, metadata: NotifierCommandMetadata },
  strict,
);
export type NotifierEnvelope = Static<typeof NotifierEnvelope>;

const validators = { 'notify.command': compile(NotifierEnvelope, ErrorCodes.envelopeInvalid, 'notifier command') };

export function parseNotifierEnvelope(body: unknown): Result<NotifierEnvelope> {
  return parseEnvelope(body, validators);
}

/** A stable command id: the same event always yields the same ids, so the bus de-duplicates. */
export function commandIdFor(causationId: string, index: number): string {
  return `${causationId}-${String(index).padStart(3, '0')}`;
}

/**
 * The ordering key of a command. Group membership changes share the group's key
 * with sends to that group, so "add user, then announce to the group" stays in order.
 */
export function notifierTargetKey(command: NotifierCommand): string {
  switch (command.action) {
    case 'sendToConnection':
    case 'closeConnection':
      return `${command.hub}/conn/${command.connectionId}`;
    case 'sendToUser':
      return `${command.hub}/user/${command.userId}`;
    case 'sendToAll':
      return `${command.hub}/all`;
    default:
      return `${command.hub}/group/${command.group}`;
  }
}

export function notifierSessionId(command: NotifierCommand, partitions: number): string {
  return partitionSessionId(notifierTargetKey(command), partitions);
}
