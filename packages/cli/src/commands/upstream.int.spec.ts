import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startSignalR, type StandIn } from '@parley/testkit';
import { isolatedDir, runCli } from '../testing/harness.js';

describe('parley upstream (real SignalR emulator)', () => {
  let dir: string;
  let signalr: StandIn & { accessKey: string };
  let env: Record<string, string>;
  const upstream = (args: string[], stdin?: string, extraEnv: Record<string, string> = {}) => runCli(['upstream', ...args], { ...env, ...extraEnv }, dir, stdin);
  const current = async () => JSON.parse((await upstream(['get'])).stdout) as { templates: Record<string, unknown>[] };

  beforeAll(async () => {
    const isolated = await isolatedDir();
    dir = isolated.dir;
    signalr = await startSignalR();
    env = { SIGNALR_CONNECTION_STRING: signalr.connectionString, PARLEY_STACK_FILE: isolated.stackFile };
  });
  afterAll(async () => {
    await signalr?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('gets the templates the emulator started with', async () => {
    const result = await upstream(['get']);
    expect(result.code).toBe(0);
    const settings = JSON.parse(result.stdout) as { templates: { urlTemplate: string }[] };
    expect(settings.templates.length).toBeGreaterThan(0);
    expect(settings.templates[0]!.urlTemplate).toMatch(/^http:\/\/.*\{event\}/);
  });

  it('sets templates from a file and from stdin', async () => {
    const file = join(dir, 'upstream.json');
    const fromFile = { templates: [{ hubPattern: 'chat', categoryPattern: '*', eventPattern: 'connect,disconnect', urlTemplate: 'http://127.0.0.1:7001/api/{event}' }] };
    await writeFile(file, JSON.stringify(fromFile));
    const set = await upstream(['set', file]);
    expect(set.code).toBe(0);
    expect(set.stderr).toContain('upstream settings replaced: 1 template(s)');
    expect((await current()).templates).toEqual([expect.objectContaining(fromFile.templates[0])]);

    const fromStdin = { templates: [{ hubPattern: '*', categoryPattern: '*', eventPattern: '*', urlTemplate: 'http://127.0.0.1:7002/api/messages?event={event}' }] };
    expect((await upstream(['set', '-'], JSON.stringify(fromStdin))).code).toBe(0);
    expect((await current()).templates).toEqual([expect.objectContaining(fromStdin.templates[0])]);
  });

  it('adds a template in front of the others', async () => {
    const before = await current();
    const result = await upstream(['add', '--hub', 'chat', '--event', 'message', '--url', 'http://127.0.0.1:7003/api/{hub}/{event}']);
    expect(result.code).toBe(0);
    const after = await current();
    expect(after.templates).toHaveLength(before.templates.length + 1);
    expect(after.templates[0]).toEqual(expect.objectContaining({ hubPattern: 'chat', eventPattern: 'message', categoryPattern: '*', urlTemplate: 'http://127.0.0.1:7003/api/{hub}/{event}' }));
    expect(after.templates.slice(1)).toEqual(before.templates);
  });

  it('reports settings the service refuses (exit 1) and leaves the old ones in force', async () => {
    const before = await current();
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ templates: [{ hubPattern: 'chat', urlTemplate: 'http://127.0.0.1:7004/{nope}' }] }));
    const result = await upstream(['set', bad]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^parley: SignalR service refused the settings: templates\[0\].*\[PARLEY_CLI_INPUT_INVALID\]\n$/);
    expect(await current()).toEqual(before);
  });

  it('reports a wrong access key as a service error (exit 2)', async () => {
    const wrongKey = signalr.connectionString.replace(/AccessKey=[^;]+/, 'AccessKey=not-the-key');
    const result = await upstream(['get'], undefined, { SIGNALR_CONNECTION_STRING: wrongKey });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/refused the access key \(401\).*\[PARLEY_CLI_SERVICE_FAILED\]/);
  });
});
