import vue from '@vitejs/plugin-vue';
import { mergeConfig } from 'vitest/config';
import { projectTestConfig } from '../vitest.shared.ts';

// Component tests choose happy-dom per file (`@vitest-environment happy-dom`).
// The browser tests start a whole stack: they get long timeouts and run one file at a time.
export default mergeConfig(
  projectTestConfig({ testTimeout: 120_000, hookTimeout: 240_000, fileParallelism: false }),
  { plugins: [vue()] },
);
