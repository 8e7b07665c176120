import { workerError } from '../errors.js';

/** 4xx answers that no retry can fix (bad keys, entity too large…). Others — 5xx, 429, 408, network, auth — are transient. */
const PERMANENT_STATUSES = new Set([400, 405, 411, 413, 414, 415, 422]);

export function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Runs one table operation; a refusal that cannot succeed becomes a PermanentError (dead-letter), the rest rethrows (retry). */
export async function tableCall<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const status = statusOf(error);
    if (status !== undefined && PERMANENT_STATUSES.has(status)) {
      const code = (error as { code?: unknown }).code;
      throw workerError('storeRejected', `${operation}: ${status} ${String(code ?? '')} ${(error as Error).message}`.trim());
    }
    throw error;
  }
}

/** The table itself is missing (not just the row): Azure and Azurite put the code in the odata error body. */
export function isTableNotFound(error: unknown): boolean {
  if (statusOf(error) !== 404) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 'TableNotFound' || (typeof message === 'string' && message.includes('TableNotFound'));
}
