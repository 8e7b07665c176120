// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import { emptyConversation, initialState, type ChatState } from '../lib/chat-state.js';
import { roomKey } from '../lib/keys.js';
import ChatSidebar from './chat-sidebar.vue';
import ConversationView from './conversation-view.vue';
import SignInForm from './sign-in-form.vue';

function stateWith(): ChatState {
  const s = initialState('alice');
  const dev = { ...emptyConversation(roomKey('dev')), unread: 3 };
  const bob = { ...emptyConversation('dm:bob'), unread: 0 };
  return { ...s, online: ['bob', 'alice'], conversations: { ...s.conversations, [dev.key]: dev, [bob.key]: bob } };
}

describe('chat-sidebar', () => {
  it('lists the lobby, rooms and private chats with unread counters, and who is online', () => {
    const w = mount(ChatSidebar, { props: { state: stateWith(), join: () => undefined } });
    expect(w.findAll('.conversation-name').map((n) => n.text())).toEqual(['Lobby', '#dev', '@bob']);
    expect(w.find('[data-key="room:dev"] .badge').text()).toBe('3');
    expect(w.find('[data-key="lobby"]').attributes('aria-current')).toBe('page');
    expect(w.findAll('.people li').map((n) => n.text())).toEqual(['alice (you)', 'bob']);
  });

  it('opens conversations, private chats and joins rooms', async () => {
    const join = vi.fn((room: string) => (room === 'bad' ? 'nope' : undefined));
    const w = mount(ChatSidebar, { props: { state: stateWith(), join } });
    await w.find('[data-key="room:dev"]').trigger('click');
    await w.find('button.person').trigger('click');
    expect(w.emitted('open')).toEqual([['room:dev']]);
    expect(w.emitted('direct')).toEqual([['bob']]);
    await w.find('#join-room').setValue('bad');
    await w.find('form').trigger('submit');
    expect(w.find('[role=alert]').text()).toBe('nope');
    await w.find('#join-room').setValue('ops');
    await w.find('form').trigger('submit');
    expect(join).toHaveBeenLastCalledWith('ops', false);
    expect((w.find('#join-room').element as HTMLInputElement).value).toBe('');
    await w.find('#join-room').setValue('plans');
    await w.find('#join-private').setValue(true);
    await w.find('form').trigger('submit');
    expect(join).toHaveBeenLastCalledWith('plans', true);
    expect((w.find('#join-private').element as HTMLInputElement).checked).toBe(false);
  });

  it('marks private rooms with a lock', () => {
    const state = stateWith();
    const dev = state.conversations['room:dev'];
    const w = mount(ChatSidebar, { props: { state: { ...state, conversations: { ...state.conversations, 'room:dev': { ...dev!, private: true } } }, join: () => undefined } });
    expect(w.find('[data-key="room:dev"] .lock').attributes('aria-label')).toBe('private');
    expect(w.find('[data-key="lobby"] .lock').exists()).toBe(false);
  });
});

describe('conversation-view', () => {
  const props = (over = {}) => ({
    conversation: { ...emptyConversation(roomKey('dev')), history: { loaded: true, loading: false, next: null }, ...over },
    me: 'alice',
    send: () => undefined,
    invite: vi.fn(() => undefined),
  });

  it('offers invite and leave in a room the user is in, and says where history starts', async () => {
    const p = props();
    const w = mount(ConversationView, { props: p });
    expect(w.find('h2').text()).toBe('#dev');
    expect(w.find('.history-edge').text()).toBe('This is the start of #dev.');
    await w.findAll('.room-actions button').find((b) => b.text() === 'Add person')?.trigger('click');
    await w.find('#invite-user').setValue('bob');
    await w.find('.room-actions form').trigger('submit');
    expect(p.invite).toHaveBeenCalledWith('dev', 'bob');
    await w.findAll('.room-actions button').find((b) => b.text() === 'Leave')?.trigger('click');
    expect(w.emitted('leave')).toEqual([['dev']]);
  });

  it('offers to join instead of a composer when the user is not a member', async () => {
    const w = mount(ConversationView, { props: props({ member: false }) });
    expect(w.find('textarea').exists()).toBe(false);
    expect(w.find('.room-actions').exists()).toBe(false);
    await w.find('.not-member button').trigger('click');
    expect(w.emitted('join')).toEqual([['dev']]);
  });

  it('asks for older messages from the button at the top', async () => {
    const w = mount(ConversationView, { props: props({ history: { loaded: true, loading: false, next: 'cur' } }) });
    await w.find('.history-edge button').trigger('click');
    expect(w.emitted('loadOlder')).toBeTruthy();
  });
});

describe('sign-in-form', () => {
  it('explains a name the gateway would refuse, and navigates with a good one', async () => {
    const assign = vi.spyOn(window.location, 'assign').mockImplementation(() => undefined);
    const w = mount(SignInForm);
    await w.find('input').setValue('élodie');
    await w.find('form').trigger('submit');
    expect(w.find('[role=alert]').text()).toMatch(/ASCII/);
    expect(assign).not.toHaveBeenCalled();
    await w.find('input').setValue('alice smith');
    await w.find('form').trigger('submit');
    expect(assign).toHaveBeenCalledWith('/api/home?name=alice%20smith');
  });
});
