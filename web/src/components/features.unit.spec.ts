// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import { CHAT_ACTIONS, type ChatActions } from '../lib/chat-actions.js';
import { emptyConversation, initialState, type ChatMessage, type Conversation } from '../lib/chat-state.js';
import { roomKey } from '../lib/keys.js';
import MembersPanel from './members-panel.vue';
import MessageComposer from './message-composer.vue';
import MessageLine from './message-line.vue';
import RoomDirectory from './room-directory.vue';

const ID = '01J00000000000000000000001';
const message = (over: Partial<ChatMessage> = {}): ChatMessage => ({
  kind: 'message', key: ID, id: ID, from: 'bob', text: 'hi', at: '2026-01-01T10:00:00.000Z', state: 'sent', ...over,
});

function fakeActions(): ChatActions & Record<string, ReturnType<typeof vi.fn>> {
  const names = ['edit', 'deleteMessage', 'react', 'typing', 'sendText', 'requestMembers', 'moderate', 'browse', 'join', 'open', 'jumpTo', 'jumpDone'];
  return Object.fromEntries(names.map((n) => [n, vi.fn()])) as unknown as ChatActions & Record<string, ReturnType<typeof vi.fn>>;
}

const withActions = (actions: ChatActions) => ({ global: { provide: { [CHAT_ACTIONS as symbol]: actions } } });

describe('message-line features', () => {
  it('shows the edited mark with its time, the reply quote that jumps, and mentions with the reader’s own stronger', async () => {
    const actions = fakeActions();
    const w = mount(MessageLine, {
      props: {
        line: message({ text: 'hey @alice and @carol', mentions: ['alice', 'carol'], editedAt: '2026-01-01T10:05:00.000Z', replyTo: { id: 'Q1', from: 'alice', text: 'the question' } }),
        me: 'alice',
        conversation: roomKey('dev'),
      },
      ...withActions(actions),
    });
    expect(w.find('.edited').attributes('title')).toMatch(/^Edited /);
    expect(w.findAll('.mention').map((m) => [m.text(), m.classes().includes('me')])).toEqual([['@alice', true], ['@carol', false]]);
    expect(w.classes()).toContain('mentions-me');
    await w.find('.quote').trigger('click');
    expect(actions.jumpTo).toHaveBeenCalledWith(roomKey('dev'), 'Q1');
  });

  it('shows "message deleted" without actions for a deleted message', () => {
    const w = mount(MessageLine, { props: { line: message({ deleted: true, text: '' }), me: 'alice' }, ...withActions(fakeActions()) });
    expect(w.find('.text').text()).toBe('message deleted');
    expect(w.find('.message-actions').exists()).toBe(false);
  });

  it('offers Edit and Delete on own messages, Delete on others’ only to moderators, with an inline confirmation', async () => {
    const actions = fakeActions();
    const own = mount(MessageLine, { props: { line: message({ from: 'alice' }), me: 'alice', conversation: roomKey('dev') }, ...withActions(actions) });
    expect(own.findAll('.message-actions button').map((b) => b.text())).toEqual(['Reply', 'React', 'Edit', 'Delete']);
    await own.find('[aria-label="Edit your message"]').trigger('click');
    expect(own.emitted('edit')).toHaveLength(1);
    await own.find('[aria-label="Delete your message"]').trigger('click');
    await own.find('[data-confirm-delete]').trigger('click');
    expect(actions.deleteMessage).toHaveBeenCalledWith(roomKey('dev'), ID);
    const theirs = mount(MessageLine, { props: { line: message(), me: 'alice' }, ...withActions(actions) });
    expect(theirs.findAll('.message-actions button').map((b) => b.text())).toEqual(['Reply', 'React']);
    const moderated = mount(MessageLine, { props: { line: message(), me: 'alice', canModerate: true }, ...withActions(actions) });
    expect(moderated.find('[aria-label="Delete bob\'s message"]').exists()).toBe(true);
  });

  it('reacts from the picker and toggles its own reaction from a chip', async () => {
    const actions = fakeActions();
    const w = mount(MessageLine, {
      props: { line: message({ reactions: [{ emoji: 'tada', count: 2, users: ['alice', 'carol'] }] }), me: 'alice', nameOf: (u: string) => u.toUpperCase() },
      ...withActions(actions),
    });
    const chip = w.find('.chip');
    expect(chip.attributes('aria-pressed')).toBe('true');
    expect(chip.attributes('title')).toBe('you, CAROL reacted with tada');
    expect(chip.text()).toBe('🎉tada 2');
    await chip.trigger('click');
    expect(actions.react).toHaveBeenLastCalledWith('lobby', ID, 'tada', true);
    await w.find('[aria-label="React"]').trigger('click');
    expect(w.findAll('.emoji-picker button')).toHaveLength(16);
    await w.find('.emoji-picker [data-emoji="rocket"]').trigger('click');
    expect(actions.react).toHaveBeenLastCalledWith('lobby', ID, 'rocket', false);
    expect(w.find('.emoji-picker').exists()).toBe(false);
  });
});

describe('message-composer modes', () => {
  it('asks to edit the last message on Up in an empty box, saves an edit on Enter, and cancels on Escape', async () => {
    const edit = vi.fn(() => undefined);
    const w = mount(MessageComposer, { props: { placeholder: 'Message', send: vi.fn(), edit } });
    await w.find('textarea').trigger('keydown', { key: 'ArrowUp' });
    expect(w.emitted('editLast')).toHaveLength(1);
    await w.find('textarea').setValue('draft');
    await w.setProps({ editing: message({ from: 'alice', text: 'old text' }) });
    expect((w.find('textarea').element as HTMLTextAreaElement).value).toBe('old text');
    expect(w.find('.composer-context').text()).toContain('Editing your message');
    await w.find('textarea').setValue('new text');
    await w.find('textarea').trigger('keydown', { key: 'Enter' });
    expect(edit).toHaveBeenCalledWith(ID, 'new text');
    expect(w.emitted('cancel')).toHaveLength(1);
    await w.setProps({ editing: undefined });
    expect((w.find('textarea').element as HTMLTextAreaElement).value).toBe('draft');
    await w.setProps({ editing: message({ from: 'alice', text: 'again' }) });
    await w.find('textarea').trigger('keydown', { key: 'Escape' });
    expect(w.emitted('cancel')).toHaveLength(2);
  });

  it('shows what a reply answers, sends the reply with it, and reports typing as the user writes', async () => {
    const send = vi.fn(() => undefined);
    const typing = vi.fn();
    const quoted = message({ text: 'what time?' });
    const w = mount(MessageComposer, { props: { placeholder: 'Message', send, typing, replyTo: quoted, replyName: 'bob' } });
    expect(w.find('.composer-context').text()).toContain('Replying to bob');
    expect(w.find('.composer-context').text()).toContain('what time?');
    await w.find('textarea').setValue('at ten');
    expect(typing).toHaveBeenCalled();
    await w.find('form').trigger('submit');
    expect(send).toHaveBeenCalledWith('at ten', quoted);
    expect(w.emitted('cancel')).toHaveLength(1);
  });
});

describe('members-panel', () => {
  const room = (over: Partial<Conversation> = {}): Conversation => ({
    ...emptyConversation(roomKey('dev')),
    members: {
      loading: false,
      banned: ['mallory'],
      list: [
        { user: 'alice', role: 'owner', online: true },
        { user: 'bob', role: 'moderator', online: true, name: 'Bob' },
        { user: 'carol', role: 'member', online: false, mutedUntil: '2999-01-01T00:00:00.000Z' },
      ],
    },
    ...over,
  });

  it('lists members by role with presence, and gives the owner every action', async () => {
    const actions = fakeActions();
    const w = mount(MembersPanel, { props: { conversation: room(), me: 'alice', online: ['alice', 'bob'], nameOf: (u: string) => u }, ...withActions(actions) });
    expect(w.findAll('.member-name').map((n) => n.text())).toEqual(['alice (you)', 'Bob', 'carol', 'mallory']);
    expect(w.findAll('.member .presence.online')).toHaveLength(2);
    expect(w.find('[data-user="carol"]').text()).toContain('muted until');
    await w.find('[aria-label="Manage Bob"]').trigger('click');
    await w.findAll('.member-actions button').find((b) => b.text() === 'Make member')?.trigger('click');
    expect(actions.moderate).toHaveBeenCalledWith('dev', 'bob', { kind: 'role', role: 'member' });
    await w.find('[aria-label="Manage carol"]').trigger('click');
    await w.findAll('.member-actions button').find((b) => b.text() === 'Lift mute')?.trigger('click');
    expect(actions.moderate).toHaveBeenLastCalledWith('dev', 'carol', { kind: 'mute', minutes: 0 });
    await w.find('[aria-label="Lift ban: mallory"]').trigger('click');
    expect(actions.moderate).toHaveBeenLastCalledWith('dev', 'mallory', { kind: 'ban', lift: true });
  });

  it('gives a moderator actions on members only, and a member none', () => {
    const asBob = mount(MembersPanel, { props: { conversation: room(), me: 'bob', online: [], nameOf: (u: string) => u }, ...withActions(fakeActions()) });
    expect(asBob.findAll('.manage').map((b) => b.attributes('aria-label'))).toEqual(['Manage carol']);
    const asCarol = mount(MembersPanel, { props: { conversation: room(), me: 'carol', online: [], nameOf: (u: string) => u }, ...withActions(fakeActions()) });
    expect(asCarol.findAll('.manage')).toHaveLength(0);
    expect(asCarol.find('.banned').exists()).toBe(false);
  });
});

describe('room-directory', () => {
  it('searches as the user types, joins a room, opens a joined one, and pages', async () => {
    const actions = fakeActions();
    const base = initialState('alice');
    const state = {
      ...base,
      conversations: { ...base.conversations, [roomKey('dev')]: emptyConversation(roomKey('dev')) },
      directory: { prefix: 'd', rooms: [{ room: 'design', members: 1 }, { room: 'dev', members: 4 }], next: 'dev', loading: false },
    };
    const w = mount(RoomDirectory, { props: { state }, ...withActions(actions) });
    expect(actions.browse).toHaveBeenCalledWith('');
    await w.find('#directory-search').setValue('d');
    expect(actions.browse).toHaveBeenLastCalledWith('d');
    expect(w.findAll('.directory-room').map((r) => r.text())).toEqual(['#design1 memberJoin', '#dev4 membersjoinedOpen']);
    await w.find('[aria-label="Join #design"]').trigger('click');
    expect(actions.join).toHaveBeenCalledWith('design');
    await w.find('[aria-label="Open #dev"]').trigger('click');
    expect(actions.open).toHaveBeenCalledWith(roomKey('dev'));
    await w.find('.more-rooms').trigger('click');
    expect(actions.browse).toHaveBeenLastCalledWith('d', true);
  });
});
