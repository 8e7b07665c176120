import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { receiveUntil as receiveFromUntil, startBroker, type Broker } from './testing/harness.js';

const sql = (Name: string, SqlExpression: string, action?: string) => ({
  Name,
  Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression }, ...(action !== undefined ? { Action: { SqlExpression: action } } : {}) },
});

let broker: Broker;
beforeAll(async () => {
  broker = await startBroker({
    topics: {
      orders: {
        subscriptions: {
          // Every message; the last one sent is a marker that tells the others have been routed.
          all: {},
          bigRed: { Rules: [sql('bigRed', "color = 'red' AND quantity >= 10")] },
          system: { Rules: [sql('sys', "sys.Label LIKE 'urgent%' OR sys.CorrelationId IN ('a', 'b') OR sys.To = 'desk'")] },
          notEu: { Rules: [sql('notEu', "NOT (region = 'eu')")] },
          noRegion: { Rules: [sql('noRegion', 'region IS NULL')] },
          hasRegion: { Rules: [sql('hasRegion', 'EXISTS(region)')] },
          escaped: { Rules: [sql('escaped', "code LIKE '50\\%%' ESCAPE '\\'")] },
          doubled: { Rules: [sql('double', 'quantity > 0', "SET quantity = quantity * 2; SET sys.Label = 'doubled'; REMOVE secret")] },
          copies: {
            Rules: [
              sql('tagA', '1=1', "SET tag = 'a'"),
              sql('tagB', "color = 'red'", "SET tag = 'b'"),
              sql('plain1', '1=1'),
              sql('plain2', "color = 'red'"),
            ],
          },
          broken: { Rules: [sql('divides', 'quantity / divisor > 1')] },
          brokenQuiet: { DeadLetteringOnFilterEvaluationExceptions: false, Rules: [sql('divides', 'quantity / divisor > 1')] },
        },
      },
    },
  });
  await broker.client.createSender('orders').sendMessages([
    { body: 'big red', applicationProperties: { color: 'red', quantity: 12, region: 'eu', secret: 's' } },
    { body: 'small red', applicationProperties: { color: 'red', quantity: 3, region: 'us' } },
    { body: 'urgent', subject: 'urgent-now', applicationProperties: { color: 'blue' } },
    { body: 'correlated', correlationId: 'b' },
    { body: 'to desk', to: 'desk' },
    { body: 'fifty', applicationProperties: { code: '50% off' } },
    { body: 'fiftyish', applicationProperties: { code: '500 off' } },
    { body: 'zero divisor', applicationProperties: { quantity: 4, divisor: 0 } },
    { body: 'fine divisor', applicationProperties: { quantity: 4, divisor: 2 } },
    { body: 'marker' },
  ]);
});
afterAll(async () => {
  await broker.close();
});

/** Receives and completes until `last` arrives (everything sent before it is routed by then). */
const receiveUntil = (sub: string, last: string, deadLetter = false) =>
  receiveFromUntil(broker.client.createReceiver('orders', sub, deadLetter ? { subQueueType: 'deadLetter' } : {}), last);

/** Bodies a subscription took, in order, up to `last` (which its filter must also select). */
async function bodiesOf(sub: string, last: string): Promise<unknown[]> {
  const bodies = (await receiveUntil(sub, last)).map((m) => m.body);
  return bodies.slice(0, bodies.indexOf(last) + 1);
}

describe('SQL filters from Config.json with the real SDK', () => {
  it('routes on application properties with comparisons and AND', async () => {
    await broker.client.createSender('orders').sendMessages({ body: 'end bigRed', applicationProperties: { color: 'red', quantity: 10 } });
    expect(await bodiesOf('bigRed', 'end bigRed')).toEqual(['big red', 'end bigRed']);
  });

  it('routes on system properties through sys. (LIKE, IN, =)', async () => {
    await broker.client.createSender('orders').sendMessages({ body: 'end system', to: 'desk' });
    expect(await bodiesOf('system', 'end system')).toEqual(['urgent', 'correlated', 'to desk', 'end system']);
  });

  it('treats a missing property as unknown: NOT (x = …) does not select it; IS NULL and EXISTS tell it apart', async () => {
    await broker.client.createSender('orders').sendMessages({ body: 'end region', applicationProperties: { region: 'ap' } });
    expect(await bodiesOf('notEu', 'end region')).toEqual(['small red', 'end region']);
    expect(await bodiesOf('hasRegion', 'end region')).toEqual(['big red', 'small red', 'end region']);
    const noRegion = await bodiesOf('noRegion', 'marker');
    expect(noRegion).toEqual(['urgent', 'correlated', 'to desk', 'fifty', 'fiftyish', 'zero divisor', 'fine divisor', 'marker']);
  });

  it('honours LIKE … ESCAPE', async () => {
    await broker.client.createSender('orders').sendMessages({ body: 'end escaped', applicationProperties: { code: '50%' } });
    expect(await bodiesOf('escaped', 'end escaped')).toEqual(['fifty', 'end escaped']);
  });

  it('applies a rule action to the subscription\'s copy only', async () => {
    await broker.client.createSender('orders').sendMessages({ body: 'end doubled', applicationProperties: { quantity: 1 } });
    const got = await receiveUntil('doubled', 'end doubled');
    const big = got.find((m) => m.body === 'big red');
    expect(big?.applicationProperties).toMatchObject({ quantity: 24, color: 'red', RuleName: 'double' });
    expect(big?.applicationProperties).not.toHaveProperty('secret');
    expect(big?.subject).toBe('doubled');
    const all = await receiveUntil('all', 'marker');
    expect(all.find((m) => m.body === 'big red')?.applicationProperties).toEqual({ color: 'red', quantity: 12, region: 'eu', secret: 's' });
  });

  it('gives one copy for the rules without action and one per matching rule with an action', async () => {
    await broker.client.createSender('orders').sendMessages({ body: 'end copies' });
    const got = await receiveUntil('copies', 'end copies');
    const red = got.filter((m) => m.body === 'big red').map((m) => m.applicationProperties?.tag ?? 'plain');
    expect(red.sort()).toEqual(['a', 'b', 'plain']);
    const blue = got.filter((m) => m.body === 'urgent').map((m) => m.applicationProperties?.tag ?? 'plain');
    expect(blue.sort()).toEqual(['a', 'plain']);
    const seqs = got.filter((m) => m.body === 'big red').map((m) => m.sequenceNumber?.toNumber());
    expect(new Set(seqs).size).toBe(3);
  });

  it('dead-letters a message whose filter fails at run time, unless the subscription says not to', async () => {
    await broker.client.createSender('orders').sendMessages({ body: 'end broken', applicationProperties: { quantity: 9, divisor: 1 } });
    expect(await bodiesOf('broken', 'end broken')).toEqual(['fine divisor', 'end broken']);
    const dead = await receiveUntil('broken', 'zero divisor', true);
    expect(dead.map((m) => [m.body, m.deadLetterReason])).toEqual([['zero divisor', 'FilterEvaluationException']]);
    expect(dead[0]?.deadLetterErrorDescription).toContain('division by zero');
    expect(await bodiesOf('brokenQuiet', 'end broken')).toEqual(['fine divisor', 'end broken']);
    const quietDlq = await broker.client.createReceiver('orders', 'brokenQuiet', { subQueueType: 'deadLetter' }).peekMessages(10);
    expect(quietDlq).toHaveLength(0);
  });
});
