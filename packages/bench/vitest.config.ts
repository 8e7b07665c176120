import { projectTestConfig } from '../../vitest.shared.ts';

export default projectTestConfig({ testTimeout: 180_000, hookTimeout: 180_000, fileParallelism: false });
