import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { DEFAULT_CONFIG_PATH, DEFAULT_LIMITS, loadConfigFile, overridesFromEnv, parseConfig } from './config.js';

const valid = {
  accessKeys: { primary: 'p'.repeat(20), secondary: 's'.repeat(20) },
  upstream: { templates: [{ hubPattern: 'chat', urlTemplate: 'http://127.0.0.1:7071/api/messages?event={event}' }] },
};

describe('config', () => {
  it('loads the default Parley config, pointing at the gateway on 7071', () => {
    const config = loadConfigFile(DEFAULT_CONFIG_PATH);
    expect(config.accessKeys.primary).toBe('parley-dev-primary-key-0123456789abcdef');
    expect(config.upstream.templates).toEqual([
      { hubPattern: '*', categoryPattern: '*', eventPattern: '*', urlTemplate: 'http://127.0.0.1:7071/api/messages?event={event}' },
    ]);
    expect(config.limits).toEqual(DEFAULT_LIMITS);
  });

  it('accepts a config without secondary key and with limits', () => {
    const config = parseConfig({ ...valid, accessKeys: { primary: 'p'.repeat(16) }, limits: { maxFrameBytes: 10 } });
    expect(config.accessKeys).toEqual({ primary: 'p'.repeat(16) });
    expect(config.limits.maxFrameBytes).toBe(10);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    [{ ...valid, accessKeys: undefined }, /^accessKeys: /],
    [{ ...valid, accessKeys: { primary: 'short' } }, /^accessKeys\.primary: must be a string of at least 16/],
    [{ ...valid, accessKeys: { primary: 'p'.repeat(16), tertiary: 'x' } }, /^accessKeys\.tertiary: is not a known field/],
    [{ ...valid, upstream: { templates: [{}] } }, /^upstream\.templates\[0\]\.urlTemplate: is required/],
    [{ ...valid, upstream: { templates: [], auth: {} } }, /^upstream\.auth: is not a known field/],
    [{ ...valid, limits: { maxFrameBytes: -1 } }, /^limits\.maxFrameBytes: must be an integer >= 1/],
    [{ ...valid, limits: { nope: 1 } }, /^limits\.nope: is not a known field/],
    [{ ...valid, port: 1 }, /^port: is not a known field/],
    [[], /^\(root\): must be a JSON object/],
  ])('refuses a bad config, naming the field (%#)', (raw, message) => {
    expect(() => parseConfig(raw)).toThrow(message);
  });

  it('SIGNALR_UPSTREAM_URL replaces every urlTemplate, and is itself checked', () => {
    const overrides = overridesFromEnv({ SIGNALR_UPSTREAM_URL: 'http://127.0.0.1:9999/api/messages?event={event}' });
    const config = parseConfig(valid, overrides);
    expect(config.upstream.templates[0]?.urlTemplate).toBe('http://127.0.0.1:9999/api/messages?event={event}');
    expect(config.upstream.templates[0]?.hubPattern).toBe('chat');
    expect(() => parseConfig(valid, { upstreamUrl: 'ftp://x/' })).toThrow(/^SIGNALR_UPSTREAM_URL\[0\]\.urlTemplate: .*http or https/);
    expect(overridesFromEnv({ SIGNALR_UPSTREAM_URL: '' })).toEqual({});
  });

  it('names the file when it is missing or not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'signalr-config-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ nope');
    expect(() => loadConfigFile(bad)).toThrow(`${bad}: is not valid JSON`);
    expect(() => loadConfigFile(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read the config file/);
  });
});
