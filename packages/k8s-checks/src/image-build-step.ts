import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { k8sDir } from './layout.js';

/**
 * The image build step (k8s/image/*.mjs, plain JS so the Docker build needs no
 * TypeScript runner), loaded by path: it is deployment tooling, not a package.
 */
export interface BuildResult {
  outFile: string;
  externals: string[];
  packages: number;
  web?: string;
}
interface BuildServiceModule {
  buildService(options: { service: string; outDir: string; root?: string; webDir?: string }): Promise<BuildResult>;
}
interface TraceModule {
  traceDependencies(startDirs: string[], root: string): string[];
}

const load = async <T>(file: string): Promise<T> => (await import(pathToFileURL(path.join(k8sDir, 'image', file)).href)) as T;

export const { buildService } = await load<BuildServiceModule>('build-service.mjs');
export const { traceDependencies } = await load<TraceModule>('trace-dependencies.mjs');
