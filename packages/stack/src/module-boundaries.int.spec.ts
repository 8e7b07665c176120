import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from '@parley/testkit';

/**
 * The nx boundary rules really constrain (docs/style.md §12): each probe is linted
 * as if it were a file of that project, and must be refused — or accepted.
 */
describe('module boundaries', () => {
  const eslint = new ESLint({ cwd: WORKSPACE_ROOT });
  const violations = async (file: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: join(WORKSPACE_ROOT, file) });
    return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
  };

  it.each([
    ['a service imports another service', 'services/gateway/src/probe.ts', "import '@parley/notifier/src/config.js';"],
    ['a service imports an emulator', 'services/chat-worker/src/probe.ts', "import '@parley/servicebus-emulator';"],
    ['an emulator imports a service', 'emulators/signalr/src/probe.ts', "import '@parley/gateway/src/app.js';"],
    ['an emulator imports Parley contracts', 'emulators/servicebus/src/probe.ts', "import '@parley/contracts';"],
    ['contracts import the service kit', 'packages/contracts/src/probe.ts', "import '@parley/service-kit';"],
    ['a service reaches into another by relative path', 'services/notifier/src/probe.ts', "import '../../gateway/src/config.js';"],
  ])('refuses: %s', async (_name, file, code) => {
    expect(await violations(file, code)).not.toHaveLength(0);
  });

  it.each([
    ['a service imports contracts and the service kit', 'services/gateway/src/probe.ts', "import '@parley/contracts';\nimport '@parley/service-kit';"],
  ])('accepts: %s', async (_name, file, code) => {
    expect(await violations(file, code)).toHaveLength(0);
  });
});
