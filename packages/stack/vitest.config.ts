import { projectTestConfig } from '../../vitest.shared.ts';

// End-to-end tests start the whole stack: one file at a time on a 2-core machine.
export default projectTestConfig({ testTimeout: 120_000, hookTimeout: 180_000, fileParallelism: false });
