import { ErrorCodes, fail, parseClientFrame, type ClientFrame, type Result } from '@parley/contracts';

/** An upstream body as the raw-body parser hands it over: at most the cap + 1 bytes are kept. */
export interface RawBody {
  readonly bytes: Buffer;
  /** Bytes the caller sent, including those not kept. */
  readonly size: number;
  /** `application/octet-stream`: a binary WebSocket frame. */
  readonly binary: boolean;
}

export type FrameResult = Result<ClientFrame> & { readonly clientId?: string };

/**
 * One `message` body to a client frame. Binary frames are refused (the chat
 * protocol is JSON text frames); everything else is the contracts' check
 * (byte cap, UTF-8, JSON, object, id, known type, schema, text length).
 */
export function readFrame(body: RawBody | undefined, maxBytes: number): FrameResult {
  if (!body || body.size === 0) return fail(ErrorCodes.frameNotJson, 'frame is empty');
  if (body.size > maxBytes) return fail(ErrorCodes.frameTooLarge, `frame exceeds ${maxBytes} bytes`);
  if (body.binary) return fail(ErrorCodes.frameBinary, 'binary frames are not part of parley.chat.v1; send JSON text frames');
  return parseClientFrame(body.bytes, maxBytes);
}
