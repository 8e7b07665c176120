/**
 * Run as a child process (node --import tsx): reads [{ service, configFile, env }]
 * as JSON on stdin, calls each service's own loadConfig(env) with exactly that
 * environment, and prints [{ service, ok, code?, variable?, message? }].
 * A separate process keeps the services' modules out of the checks' module graph.
 */
import { pathToFileURL } from 'node:url';

interface Job {
  service: string;
  configFile: string;
  env: Record<string, string>;
}

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const jobs = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Job[];

const results = [];
for (const job of jobs) {
  const module = (await import(pathToFileURL(job.configFile).href)) as { loadConfig?: (env: Record<string, string>) => unknown };
  if (typeof module.loadConfig !== 'function') {
    results.push({ service: job.service, ok: false, message: `${job.configFile} exports no loadConfig(env)` });
    continue;
  }
  try {
    module.loadConfig({ ...job.env });
    results.push({ service: job.service, ok: true });
  } catch (error) {
    const { code, variable, message } = error as { code?: string; variable?: string; message?: string };
    results.push({ service: job.service, ok: false, code, variable, message });
  }
}
process.stdout.write(JSON.stringify(results));
