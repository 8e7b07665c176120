/**
 * Connections, users and groups of one hub. A connection is in a group
 * directly (added by connection id; ends with the connection) and/or through
 * its user (added by user id; covers the user's current and later
 * connections until removed). The two reasons are kept apart as bits so that
 * removing one does not undo the other.
 */
export interface Member {
  readonly id: string;
  /** Undefined for an anonymous connection (Web PubSub allows them); such a connection is in no user's set. */
  readonly userId: string | undefined;
  /** Names of the groups this connection is in, for cleanup; allocated on first join. */
  groups: Set<string> | undefined;
}

const DIRECT = 1;
const VIA_USER = 2;

export class Hub<C extends Member> {
  readonly connections = new Map<string, C>();
  private readonly users = new Map<string, Set<C>>();
  private readonly groups = new Map<string, Map<C, number>>();
  /** user → groups the user was added to; outlives the user's connections. */
  private readonly userGroups = new Map<string, Set<string>>();

  constructor(readonly name: string) {}

  get isEmpty(): boolean {
    return this.connections.size === 0 && this.userGroups.size === 0;
  }

  add(conn: C): void {
    this.connections.set(conn.id, conn);
    if (conn.userId === undefined) return;
    let set = this.users.get(conn.userId);
    if (!set) this.users.set(conn.userId, (set = new Set()));
    set.add(conn);
    for (const group of this.userGroups.get(conn.userId) ?? []) this.join(group, conn, VIA_USER);
  }

  remove(conn: C): void {
    if (this.connections.get(conn.id) !== conn) return;
    this.connections.delete(conn.id);
    const set = conn.userId === undefined ? undefined : this.users.get(conn.userId);
    set?.delete(conn);
    if (set?.size === 0 && conn.userId !== undefined) this.users.delete(conn.userId);
    for (const group of conn.groups ?? []) {
      const members = this.groups.get(group);
      members?.delete(conn);
      if (members?.size === 0) this.groups.delete(group);
    }
    conn.groups = undefined;
  }

  connectionsOfUser(userId: string): ReadonlySet<C> | undefined {
    return this.users.get(userId);
  }

  membersOf(group: string): ReadonlyMap<C, number> | undefined {
    return this.groups.get(group);
  }

  hasUser(userId: string): boolean {
    return this.users.has(userId);
  }

  hasGroup(group: string): boolean {
    return this.groups.has(group);
  }

  addConnectionToGroup(group: string, conn: C): void {
    this.join(group, conn, DIRECT);
  }

  removeConnectionFromGroup(group: string, conn: C): void {
    this.leave(group, conn, DIRECT);
  }

  addUserToGroup(group: string, userId: string): void {
    let set = this.userGroups.get(userId);
    if (!set) this.userGroups.set(userId, (set = new Set()));
    set.add(group);
    for (const conn of this.users.get(userId) ?? []) this.join(group, conn, VIA_USER);
  }

  removeUserFromGroup(group: string, userId: string): void {
    const set = this.userGroups.get(userId);
    set?.delete(group);
    if (set?.size === 0) this.userGroups.delete(userId);
    for (const conn of this.users.get(userId) ?? []) this.leave(group, conn, VIA_USER);
  }

  /** Out of one group, whether it joined directly or through its user (Web PubSub's leave: the connection is out). */
  dropConnectionFromGroup(group: string, conn: C): void {
    this.leave(group, conn, DIRECT | VIA_USER);
  }

  /** Out of every group, whether it joined directly or through its user. */
  removeConnectionFromAllGroups(conn: C): void {
    for (const group of [...(conn.groups ?? [])]) this.leave(group, conn, DIRECT | VIA_USER);
  }

  /** The user leaves every group it was added to, and its connections leave all their groups. */
  removeUserFromAllGroups(userId: string): void {
    for (const group of [...(this.userGroups.get(userId) ?? [])]) this.removeUserFromGroup(group, userId);
    for (const conn of this.users.get(userId) ?? []) this.removeConnectionFromAllGroups(conn);
  }

  private join(group: string, conn: C, reason: number): void {
    let members = this.groups.get(group);
    if (!members) this.groups.set(group, (members = new Map<C, number>()));
    members.set(conn, (members.get(conn) ?? 0) | reason);
    (conn.groups ??= new Set()).add(group);
  }

  private leave(group: string, conn: C, reason: number): void {
    const members = this.groups.get(group);
    const bits = members?.get(conn);
    if (!members || bits === undefined) return;
    const rest = bits & ~reason;
    if (rest !== 0) {
      members.set(conn, rest);
      return;
    }
    members.delete(conn);
    if (members.size === 0) this.groups.delete(group);
    conn.groups?.delete(group);
  }
}

/** All hubs, created on first use and dropped when nothing refers to them. */
export class HubRegistry<C extends Member> {
  private readonly hubs = new Map<string, Hub<C>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  hub(name: string): Hub<C> | undefined {
    return this.hubs.get(name);
  }

  ensureHub(name: string): Hub<C> {
    let hub = this.hubs.get(name);
    if (!hub) this.hubs.set(name, (hub = new Hub<C>(name)));
    return hub;
  }

  add(hubName: string, conn: C): void {
    this.ensureHub(hubName).add(conn);
    this.count++;
  }

  remove(hubName: string, conn: C): void {
    const hub = this.hubs.get(hubName);
    if (!hub || hub.connections.get(conn.id) !== conn) return;
    hub.remove(conn);
    this.count--;
    this.dropIfEmpty(hub);
  }

  dropIfEmpty(hub: Hub<C>): void {
    if (hub.isEmpty) this.hubs.delete(hub.name);
  }

  *all(): Iterable<C> {
    for (const hub of this.hubs.values()) yield* hub.connections.values();
  }
}
