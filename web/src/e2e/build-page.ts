import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const WEB_DIR = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Builds the page into a fresh directory for the gateway's WEB_ROOT, so the
 * browser tests run the current sources and never rewrite web/dist under
 * someone else's running stack.
 */
export async function buildPageForTests(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), 'parley-web-'));
  await build({
    root: WEB_DIR,
    configFile: join(WEB_DIR, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}
