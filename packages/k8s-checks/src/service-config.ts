import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChecksError } from './errors.js';
import { repoRoot, type ServiceName } from './layout.js';
import { configFile } from './service-sources.js';

export interface ConfigResult {
  service: ServiceName;
  ok: boolean;
  code?: string;
  variable?: string;
  message?: string;
}

const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'load-config.child.ts');

/** Runs each service's loadConfig(env) in one child process and returns what each said. */
export function loadServiceConfigs(jobs: { service: ServiceName; env: Record<string, string> }[]): ConfigResult[] {
  const input = JSON.stringify(jobs.map((job) => ({ ...job, configFile: configFile(job.service) })));
  const result = spawnSync(process.execPath, ['--import', 'tsx', child], {
    cwd: repoRoot,
    input,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
    timeout: 60_000,
  });
  if (result.status !== 0) {
    throw new ChecksError('K8S_CHECKS_CONFIG_CHILD_FAILED', `load-config child exited ${result.status ?? result.signal}: ${result.stderr || result.error?.message}`);
  }
  return JSON.parse(result.stdout) as ConfigResult[];
}
