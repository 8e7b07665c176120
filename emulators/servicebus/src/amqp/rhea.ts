import rhea from 'rhea';
import type { Typed } from 'rhea';

/**
 * The one place that touches rhea's module object.
 *
 * rhea decodes every transfer of message format 0 and throws the bytes away.
 * The broker needs those bytes: to refuse oversize messages by their real
 * encoded size, to journal them, and to hand them on unchanged (the SDK
 * re-reads annotations and properties with their original AMQP types). So
 * `message.decode` is wrapped once to remember its input on the result under
 * a private symbol. The decoded object is otherwise untouched, so other rhea
 * users in the same process (the SDK in tests) see no difference.
 */
const RAW = Symbol.for('parley.servicebus-emulator.raw');

interface DecodeFn {
  (buffer: Buffer): object;
  [RAW]?: true;
}

const messageModule = rhea.message as unknown as { decode: DecodeFn };
if (!messageModule.decode[RAW]) {
  const original = messageModule.decode;
  const wrapped: DecodeFn = (buffer: Buffer) => {
    const decoded = original(buffer);
    Object.defineProperty(decoded, RAW, { value: buffer, enumerable: false });
    return decoded;
  };
  wrapped[RAW] = true;
  messageModule.decode = wrapped;
}

/** The encoded bytes a decoded message came from, when rhea decoded it for us. */
export function rawBytesOf(decoded: unknown): Buffer | undefined {
  if (typeof decoded !== 'object' || decoded === null) return undefined;
  const raw = (decoded as Record<symbol, unknown>)[RAW];
  return Buffer.isBuffer(raw) ? raw : undefined;
}

/** The parts of rhea's `types` module used here (its typings omit several). */
export interface TypesApi {
  Reader: new (buffer: Buffer) => { position: number; read(): Typed; remaining(): number };
  Writer: new () => { write(value: Typed): void; toBuffer(): Buffer };
  Ubyte(value: number): Typed;
  Uint(value: number): Typed;
  Map32(flatEntries: Typed[]): Typed;
  described(descriptor: Typed, value: Typed): Typed;
  wrap(value: unknown): Typed;
  wrap_ulong(value: number): Typed;
  wrap_long(value: number | Buffer): Typed;
  wrap_int(value: number): Typed;
  wrap_double(value: number): Typed;
  wrap_symbol(value: string): Typed;
  wrap_string(value: string): Typed;
  wrap_timestamp(value: number): Typed;
  wrap_uuid(value: Buffer): Typed;
  wrap_list(values: unknown[]): Typed;
  wrap_map(value: object): Typed;
  wrap_array(values: unknown[], code: number, descriptor: undefined): Typed;
}

interface Outcome {
  described(): unknown;
}

/** Delivery outcomes, as rhea's message module builds them. */
export interface OutcomeApi {
  accepted(): Outcome;
  released(): Outcome;
  rejected(fields: { error?: { condition: string; description: string } }): Outcome;
  modified(fields: { delivery_failed?: boolean; undeliverable_here?: boolean }): Outcome;
}

export const types = rhea.types as unknown as TypesApi;
export const amqpMessage = rhea.message as unknown as OutcomeApi;
export const container = rhea;
export type { Typed };
