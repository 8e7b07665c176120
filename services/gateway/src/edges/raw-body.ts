import type { FastifyRequest } from 'fastify';
import { GatewayError, GatewayErrorCodes } from '../errors.js';
import type { RawBody } from '../chat-path/frames.js';

type Done = (error: Error | null, body?: RawBody) => void;

/**
 * A content-type parser for upstream bodies: every type arrives raw. It keeps
 * at most `keepBytes` + 1 bytes (enough to know a frame is too large, which
 * then gets an error ack rather than a 413) and reads past that only up to
 * `hardLimit`; beyond it the request fails with 413.
 */
export function rawBodyParser(keepBytes: number, hardLimit: number) {
  return (request: FastifyRequest, payload: NodeJS.ReadableStream, done: Done): void => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > hardLimit) {
      done(tooLarge(hardLimit));
      return;
    }
    const binary = (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/octet-stream');
    const chunks: Buffer[] = [];
    let kept = 0;
    let size = 0;
    let finished = false;
    const finish = (error: Error | null, body?: RawBody) => {
      if (finished) return;
      finished = true;
      payload.removeListener('data', onData);
      done(error, body);
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += bytes.length;
      if (size > hardLimit) {
        finish(tooLarge(hardLimit));
        return;
      }
      if (kept <= keepBytes) {
        const slice = bytes.subarray(0, keepBytes + 1 - kept);
        chunks.push(slice);
        kept += slice.length;
      }
    };
    payload.on('data', onData);
    payload.once('end', () => finish(null, { bytes: Buffer.concat(chunks, kept), size, binary }));
    payload.once('error', (error: Error) => finish(error));
  };
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError(GatewayErrorCodes.bodyTooLarge, `the body exceeds ${limit} bytes`);
}
