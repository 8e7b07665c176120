import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const TEMP_ROOT_SETUP = fileURLToPath(new URL('./vitest.temp-root.ts', import.meta.url));

/**
 * One vitest setup for every project. Tests live next to the code and are
 * named by level: *.unit.spec.ts (pure), *.int.spec.ts (real local services),
 * *.e2e.spec.ts (the whole stack). Integration tests start what they need.
 */
export function projectTestConfig(overrides: ViteUserConfig['test'] = {}): ViteUserConfig {
  return defineConfig({
    test: {
      include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'],
      environment: 'node',
      testTimeout: 30_000,
      hookTimeout: 60_000,
      pool: 'forks',
      reporters: ['default'],
      ...overrides,
      // The temporary root first, so its teardown runs last; a project's own setups come after it.
      globalSetup: [TEMP_ROOT_SETUP, ...[overrides.globalSetup ?? []].flat()],
    },
  });
}
