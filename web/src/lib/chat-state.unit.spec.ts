import { describe, expect, it } from 'vitest';
import { insertLine, type ChatMessage, type Line } from './chat-state.js';

const message = (id: string, at: string): ChatMessage => ({ kind: 'message', key: id, id, from: 'ann', text: id, at, state: 'sent' });
const place = (lines: Line[]) => lines.reduce<Line[]>((shown, line) => insertLine(shown, line), []).map((line) => line.key);

describe('insertLine', () => {
  it('places a message that arrived late by its time', () => {
    expect(place([message('E1', '2026-12-07T10:00:00.100Z'), message('E3', '2026-12-07T10:00:00.300Z'), message('E2', '2026-12-07T10:00:00.200Z')])).toEqual(['E1', 'E2', 'E3']);
  });

  it('orders messages of the same millisecond as history does, the greater id first, whichever arrived first', () => {
    const at = '2026-12-07T10:00:00.100Z';
    expect(place([message('E1', at), message('E2', at)])).toEqual(['E2', 'E1']);
    expect(place([message('E2', at), message('E1', at)])).toEqual(['E2', 'E1']);
  });

  it('keeps lines without a server id in their order among equals', () => {
    const at = '2026-12-07T10:00:00.100Z';
    const system: Line = { kind: 'system', key: 's1', text: 'bob joined', at };
    expect(place([message('E1', at), system, message('E2', at)])).toEqual(['E1', 's1', 'E2']);
  });
});
