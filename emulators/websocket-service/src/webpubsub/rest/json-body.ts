import { ErrorCodes } from '../../errors.js';
import { readBody } from '../../rest/http.js';
import { wpsError, type WpsRequest } from './context.js';

/** A JSON object body; answers 400/413 itself and returns undefined when there is none to use. */
export async function readJsonBody(r: WpsRequest): Promise<Record<string, unknown> | undefined> {
  const data = await readBody(r.req, r.ctx.maxBodyBytes);
  if (!data) {
    wpsError(r.res, 413, ErrorCodes.bodyTooLarge, `a request body is at most ${r.ctx.maxBodyBytes} bytes`);
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch {
    wpsError(r.res, 400, ErrorCodes.badRequest, 'the body is not valid JSON');
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    wpsError(r.res, 400, ErrorCodes.badRequest, 'the body must be a JSON object');
    return undefined;
  }
  return value as Record<string, unknown>;
}
