import { afterAll, describe, expect, it } from 'vitest';
import { isServiceBusError, ServiceBusClient, type RuleProperties, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { startChildBroker } from './testing/child-broker.js';
import { receiveUntil, startBroker, tempDir, writeConfig, type Broker, type TestEntities } from './testing/harness.js';

const entities: TestEntities = { topics: { events: { subscriptions: { dyn: {}, other: {}, sample: {} } } } };
const dir = tempDir('sbemu-rules');
let broker: Broker | undefined;
afterAll(async () => {
  await broker?.close();
  dir.remove();
});

async function listAll(b: Broker, sub = 'dyn'): Promise<RuleProperties[]> {
  const out: RuleProperties[] = [];
  for await (const rule of b.client.createRuleManager('events', sub).listRules()) out.push(rule);
  return out;
}

/** What the `dyn` subscription took, up to `last`. */
const bodiesUntil = (b: Broker, last: string) => receiveUntil(b.client.createReceiver('events', 'dyn'), last);

async function errorOf(p: Promise<unknown>): Promise<{ code?: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return { code: isServiceBusError(err) ? err.code : undefined, message: (err as Error).message };
  }
  throw new Error('expected the operation to fail');
}

describe('rules managed at run time through the SDK rule manager', () => {
  it('lists the default rule, then adds SQL and correlation rules with actions and routes by them', async () => {
    broker = await startBroker(entities, { dataDir: dir.path });
    expect(await listAll(broker)).toEqual([{ name: '$Default', filter: { sqlExpression: '1=1' }, action: {} }]);

    const rules = broker.client.createRuleManager('events', 'dyn');
    await rules.deleteRule('$Default');
    await rules.createRule('eu', { sqlExpression: "region = 'eu' OR sys.Label = 'end'" }, { sqlExpression: 'SET routed = TRUE' });
    await rules.createRule('vip', { correlationId: 'c1', applicationProperties: { tier: 'gold' } });
    expect(await listAll(broker)).toEqual([
      { name: 'eu', filter: { sqlExpression: "region = 'eu' OR sys.Label = 'end'" }, action: { sqlExpression: 'SET routed = TRUE' } },
      {
        name: 'vip',
        filter: {
          // Absent fields travel as AMQP nulls, which the SDK hands on as null.
          correlationId: 'c1', messageId: null, to: null, replyTo: null, subject: null, sessionId: null,
          replyToSessionId: null, contentType: null, applicationProperties: { tier: 'gold' },
        },
        action: {},
      },
    ]);

    await broker.client.createSender('events').sendMessages([
      { body: 'eu', applicationProperties: { region: 'eu' } },
      { body: 'us', applicationProperties: { region: 'us' } },
      { body: 'gold', correlationId: 'c1', applicationProperties: { tier: 'gold' } },
      { body: 'silver', correlationId: 'c1', applicationProperties: { tier: 'silver' } },
      { body: 'end', subject: 'end' },
    ]);
    const got = await bodiesUntil(broker, 'end');
    expect(got.map((m) => [m.body, m.applicationProperties?.routed ?? null])).toEqual([
      ['eu', true],
      ['gold', null],
      ['end', true],
    ]);
  });

  it('refuses invalid SQL, a duplicate name and an unknown rule with the broker\'s description', async () => {
    const b = broker as Broker;
    const rules = b.client.createRuleManager('events', 'dyn');
    const badFilter = await errorOf(rules.createRule('bad', { sqlExpression: "region = 'eu" }));
    expect(badFilter.message).toContain("There was an error parsing the filter expression 'region = 'eu'");
    expect(badFilter.message).toContain('unterminated string');
    const badSys = await errorOf(rules.createRule('bad', { sqlExpression: "sys.Colour = 'x'" }));
    expect(badSys.message).toContain("'sys.Colour' is not a system property");
    const badAction = await errorOf(rules.createRule('bad', { sqlExpression: '1=1' }, { sqlExpression: 'SET sys.SequenceNumber = 1' }));
    expect(badAction.message).toContain('There was an error parsing the action expression');
    const duplicate = await errorOf(rules.createRule('EU', { sqlExpression: '1=1' }));
    expect(duplicate.code).toBe('MessagingEntityAlreadyExists');
    const missing = await errorOf(rules.deleteRule('nope'));
    expect(missing.code).toBe('MessagingEntityNotFound');
    expect((await listAll(b)).map((r) => r.name)).toEqual(['eu', 'vip']);
    // Another subscription's rules are its own.
    expect((await listAll(b, 'other')).map((r) => r.name)).toEqual(['$Default']);
  });

  it('runs the flow of the SDK\'s ruleManager sample: typed correlation properties, pages of two, delete', async () => {
    const b = broker as Broker;
    const rules = b.client.createRuleManager('events', 'sample');
    await rules.createRule('sqlRule', { sqlExpression: 'price > 10' });
    const applicationProperties = { key1: 'value1', key2: 2, key3: true, key4: new Date('2000-01-01T00:00:00Z') };
    await rules.createRule('correlationRule', { correlationId: 'correlationId', subject: 'label', applicationProperties });
    const pages: string[][] = [];
    for await (const page of rules.listRules().byPage({ maxPageSize: 2 })) pages.push(page.map((r) => r.name));
    expect(pages).toEqual([['$Default', 'sqlRule'], ['correlationRule']]);
    const listed = (await listAll(b, 'sample')).find((r) => r.name === 'correlationRule');
    expect((listed?.filter as { applicationProperties?: unknown }).applicationProperties).toEqual(applicationProperties);

    await rules.deleteRule('$Default');
    await b.client.createSender('events').sendMessages([
      { body: 'cheap', applicationProperties: { price: 5 } },
      { body: 'dated', correlationId: 'correlationId', subject: 'label', applicationProperties: { ...applicationProperties, extra: 1 } },
      { body: 'other date', correlationId: 'correlationId', subject: 'label', applicationProperties: { ...applicationProperties, key4: new Date(0) } },
      { body: 'dear', applicationProperties: { price: 11 } },
    ]);
    const receiver = b.client.createReceiver('events', 'sample');
    const got: ServiceBusReceivedMessage[] = [];
    while (!got.some((m) => m.body === 'dear')) {
      const batch = await receiver.receiveMessages(10, { maxWaitTimeInMs: 2000 });
      if (batch.length === 0) break;
      got.push(...batch);
    }
    await receiver.close();
    // The first test's messages reached this subscription through its $Default rule.
    const sentHere = ['cheap', 'dated', 'other date', 'dear'];
    expect(got.map((m) => m.body).filter((body) => sentHere.includes(body as string))).toEqual(['dated', 'dear']);

    await rules.deleteRule('sqlRule');
    await rules.deleteRule('correlationRule');
    // With no rule left the SDK's pager yields one undefined item (its getPage answers undefined for an empty page).
    expect((await listAll(b, 'sample')).filter((r) => r !== undefined)).toEqual([]);
  });

  it('keeps run-time rules across a restart with the same data directory', async () => {
    await (broker as Broker).close();
    broker = await startBroker(entities, { dataDir: dir.path });
    expect((await listAll(broker)).map((r) => [r.name, r.action])).toEqual([
      ['eu', { sqlExpression: 'SET routed = TRUE' }],
      ['vip', {}],
    ]);
    await broker.client.createSender('events').sendMessages([
      { body: 'us again', applicationProperties: { region: 'us' } },
      { body: 'end again', subject: 'end' },
    ]);
    expect((await bodiesUntil(broker, 'end again')).map((m) => m.body)).toEqual(['end again']);
  });

  it('lets a changed Config.json win over rules journaled against the old one', async () => {
    await (broker as Broker).close();
    const changed: TestEntities = {
      topics: { events: { subscriptions: { dyn: { Rules: [{ Name: 'fromFile', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: 'x = 1' } } }] }, other: {} } } },
    };
    broker = await startBroker(changed, { dataDir: dir.path });
    expect((await listAll(broker)).map((r) => r.name)).toEqual(['fromFile']);
  });
});

describe('rule changes and kill -9', () => {
  it('a rule change the SDK saw confirmed survives SIGKILL of the bin', async () => {
    const killDir = tempDir('sbemu-rules-kill');
    const args = ['--config', writeConfig(killDir.path, entities), '--port', '0', '--data-dir', `${killDir.path}/data`];
    let child = await startChildBroker(args);
    try {
      let client = new ServiceBusClient(child.connectionString, { retryOptions: { maxRetries: 1, timeoutInMs: 10_000 } });
      const rules = client.createRuleManager('events', 'other');
      await rules.createRule('late', { sqlExpression: 'n > 1' }, { sqlExpression: 'SET seen = 1' });
      await rules.deleteRule('$Default');
      await client.close();
      child.child.kill('SIGKILL');
      expect(await child.exited).toBe('SIGKILL');
      child = await startChildBroker(args);
      client = new ServiceBusClient(child.connectionString, { retryOptions: { maxRetries: 1, timeoutInMs: 10_000 } });
      const listed: RuleProperties[] = [];
      for await (const rule of client.createRuleManager('events', 'other').listRules()) listed.push(rule);
      expect(listed).toEqual([{ name: 'late', filter: { sqlExpression: 'n > 1' }, action: { sqlExpression: 'SET seen = 1' } }]);
      await client.close();
    } finally {
      child.child.kill('SIGKILL');
      killDir.remove();
    }
  });
});
