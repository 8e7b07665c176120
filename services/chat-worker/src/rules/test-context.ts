import type { EventContext } from './types.js';

/** A fixed event context for rule tests: time and ids are inputs, so tests pin them. */
export function givenEvent(overrides: Partial<EventContext> = {}): EventContext {
  return {
    hub: 'chat',
    eventId: '01J0000000000000000000000A',
    userId: 'alice',
    connectionId: 'conn-a1',
    receivedAt: '2025-01-02T03:04:05.678Z',
    ...overrides,
  };
}
