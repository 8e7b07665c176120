import { describe, expect, it } from 'vitest';
import { jwtVerify } from 'jose';
import { unwrap, parseConnectionString } from '@parley/contracts';
import { manageToken } from './manage-client.js';
import { buildTemplate, parseSettings, prependTemplate } from './templates.js';

describe('parseSettings', () => {
  it('accepts {"templates":[…]} and passes unknown template fields through for the service to judge', () => {
    const value = { templates: [{ urlTemplate: 'http://x/{event}', auth: { type: 'none' } }] };
    expect(parseSettings(value, 'f.json')).toEqual({ ok: true, settings: value });
  });

  it.each([
    [[], 'must be a JSON object'],
    [{}, '"templates" must be an array'],
    [{ templates: [1] }, 'templates[0] must be an object'],
    [{ templates: [{ hubPattern: 'chat' }] }, 'templates[0].urlTemplate must be a string'],
    [JSON.parse('{"templates":[],"__proto__":{}}'), 'forbidden key'],
  ])('refuses %j', (value, reason) => {
    const parsed = parseSettings(value, 'f.json');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(reason);
    expect(!parsed.ok && parsed.reason).toContain('f.json');
  });
});

describe('buildTemplate and prependTemplate', () => {
  it('puts the new template first, category * by default', () => {
    const built = buildTemplate({ hub: 'chat', event: 'message', url: 'http://127.0.0.1:9/api/{event}' });
    if (!built.ok) throw new Error(built.reason);
    const next = prependTemplate({ templates: [{ urlTemplate: 'http://old' }] }, built.template);
    expect(next.templates).toEqual([
      { hubPattern: 'chat', eventPattern: 'message', categoryPattern: '*', urlTemplate: 'http://127.0.0.1:9/api/{event}' },
      { urlTemplate: 'http://old' },
    ]);
  });

  it.each([
    [{ hub: 'chat', event: 'message', url: 'ftp://x' }, 'http or https'],
    [{ hub: 'chat', event: 'message', url: 'not a url' }, 'is not a URL'],
    [{ hub: ' ', event: 'message', url: 'http://x' }, '--hub must not be empty'],
  ])('refuses %j', (input, reason) => {
    const built = buildTemplate(input);
    expect(!built.ok && built.reason).toContain(reason);
  });
});

describe('manageToken', () => {
  it('is HS256 with the access key, aud = endpoint without port + manage path, and an exp', async () => {
    const connection = unwrap(parseConnectionString('Endpoint=http://localhost;Port=8888;AccessKey=secret-key;Version=1.0;'));
    const token = await manageToken(connection, 1_700_000_000);
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode('secret-key'), {
      audience: 'http://localhost/manage/v1/ws/upstream',
      currentDate: new Date(1_700_000_010_000),
    });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload.exp).toBe(1_700_000_300);
  });
});
