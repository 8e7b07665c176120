import { describe, expect, it } from 'vitest';
import rhea from 'rhea';
import { parseMessage } from '../amqp/codec.js';
import { test as evaluateCondition, type PropertySource } from './evaluate.js';
import { SqlSyntaxError } from './lexer.js';
import { applyAction, propertySource } from './message-view.js';
import { parseAction, parseFilter } from './parser.js';
import { SqlEvaluationError, type SqlValue } from './values.js';

/** A message with these application properties (case-insensitive names) and system fields. */
function source(user: Record<string, SqlValue>, system: Partial<PropertySource['system']> = {}): PropertySource {
  return {
    system: {
      messageId: 'm-1', correlationId: undefined, to: undefined, replyTo: undefined, subject: 'paint', sessionId: undefined,
      replyToSessionId: undefined, contentType: 'application/json', scheduledEnqueueTime: undefined,
      sequenceNumber: 42, enqueuedAt: 0, size: 100, ...system,
    },
    user: (name) => {
      const key = Object.keys(user).find((k) => k.toLowerCase() === name.toLowerCase());
      return key === undefined ? undefined : user[key];
    },
  };
}

const props = { color: 'red', quantity: 10n, price: 2.5, urgent: true, note: null, code: 'ABC%' };
const run = (expr: string, user: Record<string, SqlValue> = props, system = {}) => evaluateCondition(parseFilter(expr), source(user, system));

describe('SQL filter: comparisons, arithmetic and literals', () => {
  it.each([
    ["color = 'red'", true],
    ["color <> 'red'", false],
    ["color != 'blue'", true],
    ['quantity > 5 AND quantity <= 10', true],
    ['quantity >= 11', false],
    ['price < 3', true],
    ['quantity * 2 + 1 = 21', true],
    ['quantity / 4 = 2', true], // Int64 division, as C#
    ['quantity / 4.0 = 2.5', true],
    ['quantity % 3 = 1', true],
    ['-quantity = -10', true],
    ['(quantity - 4) * -1 = -6', true],
    ['1.5E1 = 15', true],
    ["'a' + 'b' = 'ab'", true],
    ["'n' + quantity = 'n10'", true],
    ['urgent = TRUE', true],
    ['urgent', true],
    ["[color] = 'red' AND \"color\" = 'red' AND user.color = 'red' AND COLOR = 'red'", true],
    ["'it''s' = 'it''s'", true],
    ['1=1', true],
    ['1=0', false],
  ])('%s → %s', (expr, expected) => {
    expect(run(expr)).toBe(expected);
  });

  it('has property(name), p(name) and newid()', () => {
    expect(run("property('sys.Label') = 'paint' AND p('color') = 'red' AND property('user.' + 'quantity') = 10")).toBe(true);
    expect(run("property('missing') = 1")).toBe(undefined);
    expect(run('newid() <> newid()')).toBe(true);
    expect(() => run("property('sys.Nope') = 1")).toThrow(SqlEvaluationError);
  });

  it('reads system properties through sys., case-insensitively', () => {
    expect(run("sys.Label = 'paint' AND sys.label LIKE 'pa%' AND sys.Subject = 'paint'")).toBe(true);
    expect(run("sys.MessageId = 'm-1' AND sys.ContentType = 'application/json'")).toBe(true);
    expect(run('sys.SequenceNumber = 42')).toBe(true);
    expect(run("sys.CorrelationId = 'x'")).toBe(false);
    expect(run('sys.CorrelationId IS NULL')).toBe(true);
    expect(run("sys.To IN ('a', 'b')", props, { to: 'b' })).toBe(true);
  });
});

describe('SQL filter: LIKE, IN, IS NULL, EXISTS', () => {
  it.each([
    ["color LIKE 'r%'", true],
    ["color LIKE 'r_d'", true],
    ["color LIKE 'R%'", false],
    ["color NOT LIKE 'b%'", true],
    ["code LIKE 'ABC\\%' ESCAPE '\\'", true],
    ["'ABCD' LIKE 'ABC\\%' ESCAPE '\\'", false],
    ["'a.c' LIKE 'a_c'", true],
    ["'a+c' LIKE 'a+c'", true],
    ["color IN ('blue', 'red')", true],
    ["color NOT IN ('blue', 'red')", false],
    ['quantity IN (1, 10.0)', true],
    ['note IS NULL', true],
    ['missing IS NULL', true],
    ['color IS NOT NULL', true],
    ['EXISTS(note)', true],
    ['EXISTS(missing)', false],
    ['NOT EXISTS(missing)', true],
  ])('%s → %s', (expr, expected) => {
    expect(run(expr)).toBe(expected);
  });
});

describe('SQL filter: unknown (a missing property) follows three-valued logic', () => {
  it.each([
    ["missing = 'x'", undefined],
    ["missing <> 'x'", undefined],
    ["NOT (missing = 'x')", undefined],
    ['missing + 1 = 2', undefined],
    ["missing LIKE 'a%'", undefined],
    ["missing NOT LIKE 'a%'", undefined],
    ["missing IN ('a')", undefined],
    ["missing NOT IN ('a')", undefined],
    // AND: false wins; OR: true wins; otherwise unknown.
    ["missing = 'x' AND color = 'red'", undefined],
    ["missing = 'x' AND color = 'blue'", false],
    ["missing = 'x' OR color = 'red'", true],
    ["missing = 'x' OR color = 'blue'", undefined],
    // null is a value: C#'s lifted comparison.
    ['note = NULL', true],
    ["note = 'x'", false],
  ])('%s → %s', (expr, expected) => {
    expect(run(expr)).toBe(expected);
  });
});

describe('SQL filter: errors', () => {
  it.each([
    ["color = 'red", 'unterminated string'],
    ['color =', 'an expression was expected'],
    ['color = 1 AND', 'an expression was expected'],
    ["sys.Colour = 'x'", "'sys.Colour' is not a system property"],
    ["foo.bar = 'x'", "unknown scope 'foo'"],
    ['color = @p', 'SQL parameters'],
    ['color # 1', 'unrecognized character'],
    ["color IS 'x'", 'NULL expected'],
    ['(color = 1', "')' expected"],
    ['color = 1 1', 'unexpected token'],
    ['', 'empty'],
    ['frob(1) = 1', "unknown function 'frob'"],
  ])('%s is refused: %s', (expr, message) => {
    expect(() => parseFilter(expr)).toThrow(SqlSyntaxError);
    expect(() => parseFilter(expr)).toThrow(message);
  });

  it('names the column of the error', () => {
    const err = (() => {
      try {
        parseFilter("color = 'red' AND AND");
      } catch (e) {
        return e as SqlSyntaxError;
      }
      return undefined;
    })();
    expect(err?.column).toBe(19);
  });

  it.each([
    ["color > 1"],
    ['urgent > FALSE'],
    ["color * 2 = 1"],
    ['quantity / 0 = 1'],
    ["color LIKE 1"],
    ["color = 'red' AND quantity"],
  ])('%s fails at evaluation', (expr) => {
    expect(() => run(expr)).toThrow(SqlEvaluationError);
  });

  it('orders NaN with nothing, as C#', () => {
    expect(run('0.0 / 0.0 < 1')).toBe(false);
    expect(run('0.0 / 0.0 = 0.0 / 0.0')).toBe(false);
    expect(run('1.0 / 0.0 > 1000')).toBe(true);
  });

  it('compares unrelated types as unequal', () => {
    expect(run("quantity = '10'")).toBe(false);
    expect(run("quantity <> '10'")).toBe(true);
  });
});

describe('SQL rule actions on an encoded message', () => {
  const raw = rhea.message.encode({
    message_id: 'm1',
    subject: 'paint',
    application_properties: { Color: 'red', quantity: 10, drop: 'me' },
    body: rhea.message.data_section(Buffer.from('x')),
  } as never) as Buffer;
  const decode = (m: { raw: Buffer }) => rhea.message.decode(m.raw) as unknown as Record<string, unknown>;

  it('SETs and REMOVEs application and system properties, in order', () => {
    const statements = parseAction("SET quantity = quantity / 2; SET color = 'blue', SET sys.Label = 'routed' REMOVE drop; SET total = quantity * 1.5; SET sys.CorrelationId = sys.MessageId");
    const out = decode(applyAction(parseMessage(raw), statements, 7, 0));
    expect(out.application_properties).toEqual({ Color: 'blue', quantity: 5, total: 7.5 });
    expect(out.subject).toBe('routed');
    expect(out.correlation_id).toBe('m1');
    expect(out.message_id).toBe('m1');
  });

  it('reads the original message through the property source', () => {
    const src = propertySource(parseMessage(raw), 3, 0);
    expect(evaluateCondition(parseFilter("color = 'red' AND quantity = 10 AND sys.Label = 'paint' AND sys.SequenceNumber = 3"), src)).toBe(true);
  });

  it.each([
    ['SET', 'a property name was expected'],
    ['SET a', "'=' expected"],
    ['UPDATE a = 1', 'SET or REMOVE expected'],
    ['SET sys.SequenceNumber = 1', 'cannot be changed by an action'],
    ['SET sys.Nope = 1', 'is not a system property'],
    ['', 'no SET or REMOVE'],
  ])('%s is refused: %s', (text, message) => {
    expect(() => parseAction(text)).toThrow(message);
  });
});
