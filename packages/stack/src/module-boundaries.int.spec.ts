import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { WORKSPACE_ROOT } from '@parley/testkit';

/**
 * The nx boundary rules really constrain (docs/style.md §12): each probe is linted
 * as if it were a file of that project, and must be refused — or accepted.
 */
describe('module boundaries', () => {
  // A probe is not a file on disk, so the type-aware rules (which need it in a tsconfig)
  // cannot parse it: they are off here; the boundary rule needs no types.
  const eslint = new ESLint({
    cwd: WORKSPACE_ROOT,
    overrideConfig: {
      files: ['**/*.ts'],
      languageOptions: { parserOptions: { projectService: false } },
      rules: {
        '@typescript-eslint/no-floating-promises': 'off',
        '@typescript-eslint/no-misused-promises': 'off',
        '@typescript-eslint/await-thenable': 'off',
        '@typescript-eslint/no-unsafe-argument': 'off',
      },
    },
  });
  const violations = async (file: string, code: string) => {
    const [result] = await eslint.lintText(code, { filePath: join(WORKSPACE_ROOT, file) });
    return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
  };

  it.each([
    ['a service imports another service', 'services/gateway/src/probe.ts', "import '@parley/notifier/src/config.js';"],
    ['a service imports an emulator', 'services/chat-worker/src/probe.ts', "import '@parley/servicebus-emulator';"],
    ['an emulator imports a service', 'emulators/websocket-service/src/probe.ts', "import '@parley/gateway/src/app.js';"],
    ['an emulator imports Parley contracts', 'emulators/servicebus/src/probe.ts', "import '@parley/contracts';"],
    ['contracts import the service kit', 'packages/contracts/src/probe.ts', "import '@parley/service-kit';"],
    ['the emulators\' shared package imports Parley contracts', 'packages/emulator-lib/src/probe.ts', "import '@parley/contracts';"],
    ['the emulators\' shared package imports an emulator', 'packages/emulator-lib/src/probe.ts', "import '@parley/tables-emulator';"],
    ['a service reaches into another by relative path', 'services/notifier/src/probe.ts', "import '../../gateway/src/config.js';"],
  ])('refuses: %s', async (_name, file, code) => {
    expect(await violations(file, code)).not.toHaveLength(0);
  });

  it.each([
    ['a service imports contracts and the service kit', 'services/gateway/src/probe.ts', "import '@parley/contracts';\nimport '@parley/service-kit';"],
    ['an emulator imports the emulators\' shared package', 'emulators/tables/src/probe.ts', "import '@parley/emulator-lib';"],
  ])('accepts: %s', async (_name, file, code) => {
    expect(await violations(file, code)).toHaveLength(0);
  });
});
