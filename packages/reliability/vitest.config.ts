import { projectTestConfig } from '../../vitest.shared.ts';

// Each file starts a whole stack: one at a time. The teardown prints the suite's report table.
export default projectTestConfig({
  testTimeout: 240_000,
  hookTimeout: 180_000,
  fileParallelism: false,
  globalSetup: ['./src/report-setup.ts'],
});
