import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/parley-dev-oidc.js', import.meta.url));

/** Runs the bin until its first line (or exit); returns that line parsed, and the child. */
async function firstLine(env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  let buffered = '';
  const line = await new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const end = buffered.indexOf('\n');
      if (end >= 0) resolve(JSON.parse(buffered.slice(0, end)) as Record<string, unknown>);
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before a line`)));
  });
  return { line, child };
}

describe('parley-dev-oidc (the bin)', () => {
  it('starts, says ready with its issuer and serves discovery, and stops on SIGTERM', async () => {
    const { line, child } = await firstLine({ PORT: '0', OIDC_REDIRECT_URIS: 'http://127.0.0.1:9/' });
    try {
      expect(line).toMatchObject({ msg: 'ready', clientId: 'parley-web', audience: 'api://parley', users: ['alice', 'bob', 'carol', 'dave'] });
      const discovery = (await (await fetch(`${line.issuer as string}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
      expect(discovery.issuer).toBe(line.issuer);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('refuses a bad setting, naming the variable', async () => {
    const { line, child } = await firstLine({ PORT: '0', OIDC_REDIRECT_URIS: 'not a url' });
    expect(line).toMatchObject({ level: 60, variable: 'OIDC_REDIRECT_URIS', code: 'PARLEY_DEV_OIDC_CONFIG_INVALID' });
    const [code] = child.exitCode === null ? await once(child, 'exit') : [child.exitCode];
    expect(code).toBe(1);
  });
});
