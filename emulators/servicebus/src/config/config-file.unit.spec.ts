import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseBrokerConfig } from './config-file.js';
import { parseIsoDuration } from './duration.js';
import { parseCliArgs } from './cli-args.js';

const wrap = (ns: object) => ({ UserConfig: { Namespaces: [{ Name: 'sbemulatorns', ...ns }], Logging: { Type: 'File' } } });

describe('ISO-8601 durations', () => {
  it('parses the forms Config.json files use', () => {
    expect(parseIsoDuration('PT1M')).toBe(60_000);
    expect(parseIsoDuration('PT30S')).toBe(30_000);
    expect(parseIsoDuration('PT0.5S')).toBe(500);
    expect(parseIsoDuration('P1DT2H')).toBe(86_400_000 + 7_200_000);
    expect(parseIsoDuration('P14D')).toBe(14 * 86_400_000);
    expect(parseIsoDuration('PT')).toBeUndefined();
    expect(parseIsoDuration('1 minute')).toBeUndefined();
  });
});

describe('Config.json validation', () => {
  it('reads queues, topics, subscriptions and rules with Azure defaults', () => {
    const config = parseBrokerConfig(
      wrap({
        Queues: [{ Name: 'q', Properties: { LockDuration: 'PT5S', RequiresSession: true, ForwardTo: '' } }],
        Topics: [
          {
            Name: 't',
            Properties: { DefaultMessageTimeToLive: 'PT1H', RequiresDuplicateDetection: true },
            Subscriptions: [
              { Name: 's', Properties: { DefaultMessageTimeToLive: 'P1D' } },
              { Name: 'f', Rules: [{ Name: 'r', Properties: { FilterType: 'Correlation', CorrelationFilter: { Label: 'x', Properties: { a: 1 } } } }] },
            ],
          },
        ],
      }),
    );
    const q = config.queues[0];
    expect(q?.props).toEqual({ lockDurationMs: 5000, maxDeliveryCount: 10, requiresSession: true, defaultTtlMs: Infinity, deadLetteringOnExpiration: false });
    expect(q?.duplicateDetection).toEqual({ enabled: false, windowMs: 600_000 });
    const t = config.topics[0];
    expect(t?.duplicateDetection.enabled).toBe(true);
    expect(t?.subscriptions[0]?.props.defaultTtlMs).toBe(3_600_000);
    expect(t?.subscriptions[0]?.rules).toEqual([{ name: '$Default', filter: { kind: 'true' } }]);
    expect(t?.subscriptions[1]?.rules[0]?.filter).toEqual({ kind: 'correlation', subject: 'x', properties: { a: 1 } });
  });

  it.each([
    [{ Queues: [{ Name: 'q', Properties: { LockDuration: 'soon' } }] }, 'UserConfig.Namespaces[0].Queues[0].Properties.LockDuration'],
    [{ Queues: [{ Name: 'q', Properties: { MaxDeliveryCount: 0 } }] }, 'UserConfig.Namespaces[0].Queues[0].Properties.MaxDeliveryCount'],
    [{ Queues: [{ Name: 'q', Properties: { RequiresSession: 'yes' } }] }, 'UserConfig.Namespaces[0].Queues[0].Properties.RequiresSession'],
    [{ Queues: [{ Properties: {} }] }, 'UserConfig.Namespaces[0].Queues[0].Name'],
    [{ Queues: [{ Name: 'a' }, { Name: 'A' }] }, 'UserConfig.Namespaces[0].Queues/Topics'],
    [{ Topics: [{ Name: 't', Subscriptions: [{ Name: 's', Rules: [{ Name: 'r', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: "color = 'red" } } }] }] }] }, 'Rules[0].Properties.SqlFilter.SqlExpression: There was an error parsing the filter expression'],
    [{ Topics: [{ Name: 't', Subscriptions: [{ Name: 's', Rules: [{ Name: 'r', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: '1=1' }, Action: { SqlExpression: 'SET' } } }] }] }] }, 'Rules[0].Properties.Action.SqlExpression: There was an error parsing the action expression'],
    [{ Topics: [{ Name: 't', Subscriptions: [{ Name: 's', Rules: [{ Name: 'r', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: '1=1' } } }, { Name: 'R', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: '1=1' } } }] }] }] }, 'Subscriptions[0].Rules'],
    [{ Queues: [{ Name: 'q', Properties: { ForwardTo: 'other' } }] }, 'Queues[0].Properties.ForwardTo: "other" is not a queue or topic'],
    [{ Queues: [{ Name: 'q', Properties: { ForwardDeadLetteredMessagesTo: 'Q' } }] }, 'Queues[0].Properties.ForwardDeadLetteredMessagesTo: an entity cannot forward to itself'],
    [{ Topics: [{ Name: 't', Subscriptions: [{ Name: 's', Properties: { ForwardTo: 't' } }] }] }, 'Subscriptions[0].Properties.ForwardTo'],
  ])('names the bad field (%#)', (ns, field) => {
    expect(() => parseBrokerConfig(wrap(ns))).toThrow(field);
  });

  it('reads SQL filters, actions and forwarding as Microsoft\'s emulator writes them', () => {
    const config = parseBrokerConfig(wrap({
      Queues: [{ Name: 'in', Properties: { ForwardTo: 'out', ForwardDeadLetteredMessagesTo: 'dead' } }, { Name: 'out' }, { Name: 'dead' }],
      Topics: [{
        Name: 't',
        Subscriptions: [{
          Name: 's',
          Properties: { DeadLetteringOnFilterEvaluationExceptions: false },
          Rules: [
            { Name: 'big', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: 'quantity > 10' }, Action: { SqlExpression: "SET size = 'big'" } } },
            { Name: 'all', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: ' 1 = 1 ' }, Action: { SqlExpression: '' } } },
          ],
        }],
      }],
    }));
    expect(config.queues[0]?.props).toMatchObject({ forwardTo: 'out', forwardDeadLetteredMessagesTo: 'dead' });
    const sub = config.topics[0]?.subscriptions[0];
    expect(sub?.deadLetteringOnFilterEvaluationExceptions).toBe(false);
    expect(sub?.rules.map((r) => [r.name, r.filter.kind, r.action?.expression])).toEqual([
      ['big', 'sql', "SET size = 'big'"],
      ['all', 'true', undefined],
    ]);
  });

  it('rejects a document without UserConfig', () => {
    expect(() => parseBrokerConfig({})).toThrow('UserConfig');
  });

  it("accepts Parley's own config file", () => {
    const file = fileURLToPath(new URL('../../config/parley.json', import.meta.url));
    const config = parseBrokerConfig(JSON.parse(readFileSync(file, 'utf8')));
    expect(config.topics.map((t) => [t.name, t.subscriptions.map((s) => [s.name, s.props.requiresSession, s.props.lockDurationMs])])).toEqual([
      ['chat-events', [['chat-worker', true, 30_000]]],
    ]);
    expect(config.queues.map((q) => [q.name, q.props.requiresSession, q.duplicateDetection])).toEqual([
      ['notifications', true, { enabled: true, windowMs: 600_000 }],
    ]);
  });
});

describe('command line', () => {
  it('parses options and fails with usage on bad ones', () => {
    expect(parseCliArgs(['--config', 'c.json', '--port=0', '--data-dir', 'd'])).toEqual({ config: 'c.json', port: 0, host: '127.0.0.1', dataDir: 'd' });
    expect(() => parseCliArgs(['--port', '1'])).toThrow('--config is required');
    expect(() => parseCliArgs(['--config', 'c', '--port', 'x'])).toThrow('--port');
    expect(() => parseCliArgs(['--config', 'c', '--verbose', '1'])).toThrow('unknown option --verbose');
  });
});
