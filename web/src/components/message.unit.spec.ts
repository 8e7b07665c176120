// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it, vi } from 'vitest';
import type { Line } from '../lib/chat-state.js';
import MessageComposer from './message-composer.vue';
import MessageLine from './message-line.vue';

const line = (over: Partial<Extract<Line, { kind: 'message' }>> = {}): Line => ({
  kind: 'message', key: 'k', id: 'm1', from: 'bob', text: 'hi', at: '2026-01-01T10:00:00.000Z', state: 'sent', ...over,
});

describe('message-line', () => {
  it('renders markup in a message as text, never as HTML', () => {
    const w = mount(MessageLine, { props: { line: line({ text: '<img src=x onerror=alert(1)>' }), me: 'alice' } });
    expect(w.find('img').exists()).toBe(false);
    expect(w.find('.text').text()).toBe('<img src=x onerror=alert(1)>');
    expect(w.find('.text').element.innerHTML).toBe('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('shows the state of its own messages, and why one failed', () => {
    const w = mount(MessageLine, { props: { line: line({ from: 'alice', state: 'failed', error: 'not a member' }), me: 'alice' } });
    expect(w.classes()).toContain('mine');
    expect(w.attributes('data-state')).toBe('failed');
    expect(w.find('.from').text()).toBe('You');
    expect(w.find('.state').text()).toBe('not sent');
    expect(w.find('.line-error').text()).toBe('not a member');
    const pending = mount(MessageLine, { props: { line: line({ from: 'alice', state: 'pending' }), me: 'alice' } });
    expect(pending.find('.state').text()).toBe('sending…');
    const other = mount(MessageLine, { props: { line: line(), me: 'alice' } });
    expect(other.find('.state').exists()).toBe(false);
  });

  it('renders system lines', () => {
    const w = mount(MessageLine, { props: { line: { kind: 'system', key: 's1', text: 'bob joined', at: '' }, me: 'alice' } });
    expect(w.classes()).toEqual(['line', 'system']);
    expect(w.text()).toBe('bob joined');
  });
});

describe('message-composer', () => {
  const setup = (answer: string | undefined = undefined) => {
    const send = vi.fn((_text: string) => answer);
    const w = mount(MessageComposer, { props: { placeholder: 'Message Lobby', send } });
    return { w, send, area: w.find('textarea') };
  };

  it('sends on Enter and clears the field', async () => {
    const { w, send, area } = setup();
    await area.setValue('hello');
    await area.trigger('keydown', { key: 'Enter' });
    expect(send).toHaveBeenCalledWith('hello', undefined);
    expect((area.element as HTMLTextAreaElement).value).toBe('');
    expect(w.find('[role=alert]').exists()).toBe(false);
  });

  it('keeps Shift+Enter for a new line and never sends while an IME composes', async () => {
    const { send, area } = setup();
    await area.setValue('line one');
    await area.trigger('keydown', { key: 'Enter', shiftKey: true });
    await area.trigger('keydown', { key: 'Enter', isComposing: true });
    expect(send).not.toHaveBeenCalled();
  });

  it('keeps the text and shows the problem when sending is refused', async () => {
    const { w, area } = setup('Too long: 4001 of at most 4000 characters.');
    await area.setValue('x');
    await w.find('form').trigger('submit');
    expect((area.element as HTMLTextAreaElement).value).toBe('x');
    expect(w.find('[role=alert]').text()).toMatch(/Too long/);
  });

  it('disables the button for blank text and grows with the lines', async () => {
    const { w, area } = setup();
    expect(w.find('button').attributes('disabled')).toBeDefined();
    await area.setValue('a\nb\nc');
    expect(w.find('button').attributes('disabled')).toBeUndefined();
    expect(area.attributes('rows')).toBe('3');
  });
});
