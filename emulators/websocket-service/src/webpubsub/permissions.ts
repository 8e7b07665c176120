/**
 * Client permissions are roles (docs/protocols.md §2): `webpubsub.joinLeaveGroup`
 * and `webpubsub.sendToGroup` for any group, or with `.<group>` for one.
 * The permission REST API grants and revokes the same roles.
 */
export type Permission = 'joinLeaveGroup' | 'sendToGroup';
export const PERMISSIONS: readonly Permission[] = ['joinLeaveGroup', 'sendToGroup'];

export function roleOf(permission: Permission, group?: string): string {
  return group === undefined ? `webpubsub.${permission}` : `webpubsub.${permission}.${group}`;
}

export function has(roles: ReadonlySet<string>, permission: Permission, group: string): boolean {
  return roles.has(roleOf(permission)) || roles.has(roleOf(permission, group));
}

export const canJoinLeave = (roles: ReadonlySet<string>, group: string): boolean => has(roles, 'joinLeaveGroup', group);
export const canSendTo = (roles: ReadonlySet<string>, group: string): boolean => has(roles, 'sendToGroup', group);

/** Revoking without a target takes the permission for every group, specific grants included. */
export function revoke(roles: Set<string>, permission: Permission, group?: string): void {
  if (group !== undefined) {
    roles.delete(roleOf(permission, group));
    return;
  }
  const prefix = `${roleOf(permission)}.`;
  for (const role of [...roles]) if (role === roleOf(permission) || role.startsWith(prefix)) roles.delete(role);
}
