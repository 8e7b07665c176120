import { readFile, rename, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { ConfigError, ErrorCodes } from '../errors.js';
import { readBody, sendError, sendJson } from '../rest/http.js';
import type { ExtraRoute } from '../rest/router.js';
import { CompiledSettings, parseSettings, type UpstreamSettings } from '../upstream/templates.js';

/** The settings API path; its JWT `aud` is `{endpoint}/manage/v1/ws/upstream`, with or without port. */
export const MANAGE_UPSTREAM_PATH = '/manage/v1/ws/upstream';

export interface ManageDeps {
  readonly current: () => CompiledSettings;
  readonly replace: (next: CompiledSettings) => void;
  /** The config file to save accepted settings into (`--persist-settings`); none keeps them in memory only. */
  readonly persistTo: string | undefined;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
}

/**
 * GET returns `{"templates":[…]}`; POST replaces the settings as a whole.
 * A change is checked completely before anything changes, so a refused one
 * leaves the old settings in force; accepted changes apply to the next
 * upstream call of every connection. Changes are serialised so that the
 * file and the settings in memory end up the same.
 */
export function createManageRoute(deps: ManageDeps): ExtraRoute {
  let queue: Promise<unknown> = Promise.resolve();
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method === 'GET' || req.method === 'HEAD') return sendJson(res, 200, deps.current().settings);
    if (req.method !== 'POST' && req.method !== 'PUT') {
      req.resume();
      return sendError(res, 405, ErrorCodes.methodNotAllowed, 'allowed methods: GET, POST', { allow: 'GET, POST' });
    }
    const body = await readBody(req, deps.maxBodyBytes);
    if (!body) return sendError(res, 413, ErrorCodes.bodyTooLarge, `settings are at most ${deps.maxBodyBytes} bytes`);
    let next: UpstreamSettings;
    try {
      next = parseSettings(parseJson(body), '', ErrorCodes.settingsInvalid);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      deps.logger.info({ code: error.code, field: error.field }, `upstream settings refused: ${error.message}`);
      return sendJson(res, 400, { code: error.code, field: error.field, message: error.message });
    }
    const applied = queue.then(() => apply(deps, next));
    queue = applied.catch(() => undefined);
    try {
      await applied;
    } catch (error) {
      deps.logger.error({ code: ErrorCodes.settingsPersistFailed, err: (error as Error).message }, 'upstream settings not saved; old settings kept');
      return sendError(res, 500, ErrorCodes.settingsPersistFailed, `could not save the settings: ${(error as Error).message}`);
    }
    sendJson(res, 200, next);
  };
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new ConfigError('body', `is not valid JSON (${(error as Error).message})`, ErrorCodes.settingsInvalid);
  }
}

async function apply(deps: ManageDeps, next: UpstreamSettings): Promise<void> {
  const compiled = new CompiledSettings(next);
  if (deps.persistTo) await persist(deps.persistTo, next);
  const before = deps.current().settings;
  deps.replace(compiled);
  deps.logger.info({ before: before.templates, after: next.templates, savedTo: deps.persistTo ?? null }, 'upstream settings changed');
}

/** Replaces `upstream.templates` in the config file and keeps the rest; write then rename, so a reader never sees half a file. */
async function persist(path: string, next: UpstreamSettings): Promise<void> {
  const raw = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  const upstream = typeof raw.upstream === 'object' && raw.upstream !== null ? (raw.upstream as Record<string, unknown>) : {};
  const updated = { ...raw, upstream: { ...upstream, templates: next.templates } };
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(updated, null, 2)}\n`);
  await rename(tmp, path);
}
