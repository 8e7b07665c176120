import { describe, expect, it } from 'vitest';
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { CliErrorCodes } from '../errors.js';
import { countReasons, resolveEntity, resubmitCopy } from './entities.js';

describe('resolveEntity', () => {
  it('knows the subscription and the queue', () => {
    expect(resolveEntity('chat-events/chat-worker')).toMatchObject({ kind: 'subscription', topic: 'chat-events', subscription: 'chat-worker', sendTo: 'chat-events' });
    expect(resolveEntity('chat-events/Subscriptions/chat-worker').name).toBe('chat-events/chat-worker');
    expect(resolveEntity('notifications')).toMatchObject({ kind: 'queue', queue: 'notifications', sendTo: 'notifications' });
  });

  it.each([['chat-events'], ['nope'], [undefined]])('refuses %j and lists the valid entities', (text) => {
    try {
      resolveEntity(text);
      expect.unreachable();
    } catch (error) {
      expect((error as { code: string }).code).toBe(CliErrorCodes.entityUnknown);
      expect((error as Error).message).toContain('chat-events/chat-worker, notifications');
    }
  });
});

describe('resubmitCopy', () => {
  const received = {
    body: { type: 'notify.command' },
    messageId: 'cmd-1',
    sessionId: 'p-03',
    subject: 'notify.command',
    contentType: 'application/json',
    correlationId: 'corr',
    applicationProperties: { 'parley.type': 'notify.command', traceparent: 'tp', DeadLetterReason: 'X', DeadLetterErrorDescription: 'Y' },
    deadLetterReason: 'X',
    deliveryCount: 10,
    sequenceNumber: undefined,
  } as unknown as ServiceBusReceivedMessage;

  it('keeps id, session, body, subject, content type and properties, minus the dead-letter ones', () => {
    expect(resubmitCopy(received)).toEqual({
      body: { type: 'notify.command' },
      messageId: 'cmd-1',
      sessionId: 'p-03',
      subject: 'notify.command',
      contentType: 'application/json',
      correlationId: 'corr',
      applicationProperties: { 'parley.type': 'notify.command', traceparent: 'tp' },
    });
  });

  it('takes a new id when asked', () => {
    expect(resubmitCopy(received, 'cmd-1:resubmit:R').messageId).toBe('cmd-1:resubmit:R');
  });
});

describe('countReasons', () => {
  it('groups, most frequent first', () => {
    expect(countReasons(['b', 'a', 'b', undefined])).toEqual([
      { reason: 'b', count: 2 },
      { reason: '(no reason)', count: 1 },
      { reason: 'a', count: 1 },
    ]);
  });
});
