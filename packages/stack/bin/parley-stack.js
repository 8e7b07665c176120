#!/usr/bin/env node
// Builds the page when it has not been built yet, then starts the whole stack.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = fileURLToPath(new URL('../../..', import.meta.url));
if (!existsSync(`${root}/web/dist/index.html`) && existsSync(`${root}/web/package.json`)) {
  console.log('Building the chat page (web/)…');
  const built = spawnSync('npm', ['run', 'build', '-w', 'web'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
register();
await import('../src/main.ts');
