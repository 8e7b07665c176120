import { describe, expect, it } from 'vitest';
import { HubRegistry, type Member } from './groups.js';

const conn = (id: string, userId: string): Member => ({ id, userId, groups: undefined });
const ids = (members: ReadonlyMap<Member, number> | undefined) => [...(members?.keys() ?? [])].map((m) => m.id).sort();

describe('group membership', () => {
  it('a user added to a group brings its current and later connections, until removed', () => {
    const registry = new HubRegistry<Member>();
    const a1 = conn('a1', 'alice');
    registry.add('chat', a1);
    const hub = registry.ensureHub('chat');
    hub.addUserToGroup('dev', 'alice');
    const a2 = conn('a2', 'alice');
    registry.add('chat', a2);
    expect(ids(hub.membersOf('dev'))).toEqual(['a1', 'a2']);
    hub.removeUserFromGroup('dev', 'alice');
    expect(hub.hasGroup('dev')).toBe(false);
    registry.add('chat', conn('a3', 'alice'));
    expect(hub.hasGroup('dev')).toBe(false);
  });

  it('connection membership ends with the connection; user membership outlives it', () => {
    const registry = new HubRegistry<Member>();
    const b1 = conn('b1', 'bob');
    registry.add('chat', b1);
    const hub = registry.ensureHub('chat');
    hub.addConnectionToGroup('g', b1);
    hub.addUserToGroup('h', 'bob');
    registry.remove('chat', b1);
    expect(hub.hasGroup('g')).toBe(false);
    expect(hub.hasGroup('h')).toBe(false);
    expect(registry.size).toBe(0);
    // The hub is kept because bob's membership of h is still recorded.
    expect(registry.hub('chat')).toBe(hub);
    registry.add('chat', conn('b2', 'bob'));
    expect(ids(hub.membersOf('h'))).toEqual(['b2']);
    expect(hub.hasGroup('g')).toBe(false);
  });

  it('removing one reason of membership keeps the other', () => {
    const registry = new HubRegistry<Member>();
    const c = conn('c1', 'carol');
    registry.add('chat', c);
    const hub = registry.ensureHub('chat');
    hub.addConnectionToGroup('g', c);
    hub.addUserToGroup('g', 'carol');
    hub.removeUserFromGroup('g', 'carol');
    expect(ids(hub.membersOf('g'))).toEqual(['c1']);
    hub.addUserToGroup('g', 'carol');
    hub.removeConnectionFromGroup('g', c);
    expect(ids(hub.membersOf('g'))).toEqual(['c1']);
    hub.removeUserFromGroup('g', 'carol');
    expect(hub.hasGroup('g')).toBe(false);
    expect(c.groups?.size ?? 0).toBe(0);
  });

  it('drops an empty hub', () => {
    const registry = new HubRegistry<Member>();
    const d = conn('d1', 'dave');
    registry.add('x', d);
    registry.remove('x', d);
    expect(registry.hub('x')).toBeUndefined();
  });

  it('Web PubSub: dropping a connection from a group ends both reasons; anonymous connections are in no user set', () => {
    const registry = new HubRegistry<Member>();
    const c = conn('c1', 'carl');
    const anon: Member = { id: 'c2', userId: undefined, groups: undefined };
    registry.add('chat', c);
    registry.add('chat', anon);
    const hub = registry.ensureHub('chat');
    hub.addUserToGroup('g', 'carl');
    hub.addConnectionToGroup('g', c);
    hub.addConnectionToGroup('g', anon);
    hub.dropConnectionFromGroup('g', c);
    expect(ids(hub.membersOf('g'))).toEqual(['c2']);
    hub.removeConnectionFromAllGroups(anon);
    expect(hub.hasGroup('g')).toBe(false);
    registry.remove('chat', anon);
    expect(registry.size).toBe(1);
  });
});
