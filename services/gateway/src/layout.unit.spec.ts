import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The folders say which part a file belongs to (README § Layout); these rules keep that true:
// the edges lean on the chat path, never the other way round, and neither edge on the other.
const SRC = path.dirname(fileURLToPath(import.meta.url));

/** Every production file of src/ (no specs, no test helpers) and the src/ files it imports by relative path. */
function importsBySrcFile(): Map<string, string[]> {
  const imports = new Map<string, string[]>();
  for (const entry of readdirSync(SRC, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.includes('.spec.')) continue;
    const file = path.relative(SRC, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    if (file.startsWith('testing/')) continue;
    const text = readFileSync(path.join(SRC, file), 'utf8');
    const targets = [...text.matchAll(/(?:from\s+|import\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) =>
      path.posix.normalize(path.posix.join(path.posix.dirname(file), match[1] as string)).replace(/\.js$/, '.ts'),
    );
    imports.set(file, targets);
  }
  return imports;
}

/** `file -> target` for each import from a file `from` accepts to a file `to` accepts. */
function offending(imports: Map<string, string[]>, from: (file: string) => boolean, to: (target: string) => boolean): string[] {
  return [...imports].filter(([file]) => from(file)).flatMap(([file, targets]) => targets.filter(to).map((target) => `${file} -> ${target}`));
}

describe('the gateway layout', () => {
  const imports = importsBySrcFile();
  const inChatPath = (file: string) => file.startsWith('chat-path/');

  it('reads the imports it checks', () => {
    expect(imports.get('edges/seed/upstream.ts')).toContain('chat-path/chat-path.ts');
    expect(imports.get('chat-edges.ts')).toContain('edges/webpubsub/service-client.ts');
  });

  it('keeps the chat path free of edges, pages and wiring: it imports only config, errors and metrics from outside', () => {
    const allowed = new Set(['config.ts', 'errors.ts', 'metrics.ts']);
    expect(offending(imports, inChatPath, (target) => !inChatPath(target) && !allowed.has(target))).toEqual([]);
  });

  it('keeps each dialect edge apart from the other', () => {
    expect(offending(imports, (file) => file.startsWith('edges/seed/'), (target) => target.startsWith('edges/webpubsub/'))).toEqual([]);
    expect(offending(imports, (file) => file.startsWith('edges/webpubsub/'), (target) => target.startsWith('edges/seed/'))).toEqual([]);
  });

  it('keeps the page and sign-in off the bus, and every part below the wiring', () => {
    expect(offending(imports, (file) => file.startsWith('web/'), inChatPath)).toEqual([]);
    const wiring = new Set(['main.ts', 'app.ts', 'chat-edges.ts']);
    expect(offending(imports, (file) => !wiring.has(file), (target) => wiring.has(target))).toEqual([]);
  });
});
