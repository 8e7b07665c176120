import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCodes } from '../errors.js';
import { CompiledSettings, parseSettings } from './templates.js';

const settings = (templates: unknown[]) => new CompiledSettings(parseSettings({ templates }, '', ErrorCodes.settingsInvalid));

describe('upstream templates', () => {
  it('takes the first matching template, with *, comma lists and exact names', () => {
    const s = settings([
      { hubPattern: 'chat', eventPattern: 'connect,disconnect', urlTemplate: 'http://a/{hub}/{event}' },
      { hubPattern: 'chat', categoryPattern: 'messages', urlTemplate: 'http://b/{category}' },
      { urlTemplate: 'http://c/{hub}' },
    ]);
    expect(s.resolve('chat', 'connect')).toBe('http://a/chat/connect');
    expect(s.resolve('chat', 'disconnect')).toBe('http://a/chat/disconnect');
    expect(s.resolve('chat', 'message')).toBe('http://b/messages');
    expect(s.resolve('other', 'message')).toBe('http://c/other');
  });

  it('URL-escapes placeholder values', () => {
    expect(settings([{ urlTemplate: 'http://a/x?hub={hub}' }]).resolve('a b&c', 'message')).toBe('http://a/x?hub=a%20b%26c');
  });

  it('gives nothing when no template matches', () => {
    expect(settings([{ hubPattern: 'chat', urlTemplate: 'http://a/' }]).resolve('other', 'connect')).toBeUndefined();
  });

  it('fills missing patterns with *', () => {
    expect(settings([{ urlTemplate: 'http://a/' }]).settings.templates[0]).toEqual({
      hubPattern: '*',
      categoryPattern: '*',
      eventPattern: '*',
      urlTemplate: 'http://a/',
    });
  });

  it.each([
    [[{ hubPattern: 'x' }], 'templates[0].urlTemplate', 'is required'],
    [[{ urlTemplate: 'http://a/' }, { urlTemplate: 'ftp://a/' }], 'templates[1].urlTemplate', 'http or https'],
    [[{ urlTemplate: 'http://a/{user}' }], 'templates[0].urlTemplate', 'unknown placeholder {user}'],
    [[{ urlTemplate: 'not a url {hub}' }], 'templates[0].urlTemplate', 'not an absolute URL'],
    [[{ urlTemplate: 'http://a/', extra: 1 }], 'templates[0].extra', 'not a known template field'],
    [[{ urlTemplate: 'http://a/', eventPattern: 'connect,' }], 'templates[0].eventPattern', 'empty name'],
    [[{ urlTemplate: 'http://a/', hubPattern: 3 }], 'templates[0].hubPattern', 'non-empty string'],
    [['http://a/'], 'templates[0]', 'must be an object'],
  ])('refuses %j naming %s', (templates, field, message) => {
    let error: unknown;
    try {
      parseSettings({ templates }, '', ErrorCodes.settingsInvalid);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe(field);
    expect((error as ConfigError).message).toContain(message);
    expect((error as ConfigError).code).toBe(ErrorCodes.settingsInvalid);
  });

  it('refuses unknown top-level settings fields and a non-array', () => {
    expect(() => parseSettings({ templates: [], more: 1 }, '', ErrorCodes.settingsInvalid)).toThrow(/^more: /);
    expect(() => parseSettings({ templates: {} }, '', ErrorCodes.settingsInvalid)).toThrow(/^templates: must be an array/);
  });
});
