import type { FastifyReply } from 'fastify';

/** Settles once the answer was written (or the socket closed): `chat.connected` waits for it. */
export function answered(reply: FastifyReply): Promise<void> {
  return new Promise<void>((resolve) => {
    reply.raw.once('finish', () => resolve());
    reply.raw.once('close', () => resolve());
  });
}

export function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Bodies past the frame cap get an error ack; only absurd ones (a signed caller gone wrong) get a 413. */
export const HARD_BODY_LIMIT = 1024 * 1024;
