/**
 * The two targets of the conformance suite: this emulator and Azurite, both
 * as child processes (testing/stand-ins.ts), both driven by the unmodified
 * @azure/data-tables SDK. A test that checks where Azurite departs from the
 * Azure Table service is named "[Azure behaviour] …" and runs only against
 * the emulator (README: Conformance).
 */
import { RestError, TableClient, TableServiceClient } from '@azure/data-tables';
import { startAzurite, startEmulator, type StandIn } from '../testing/stand-ins.js';
import { afterAll, beforeAll } from 'vitest';

export interface Target {
  readonly name: 'emulator' | 'azurite';
  start(): Promise<StandIn>;
}

export const targets: Target[] = [
  { name: 'emulator', start: () => startEmulator() },
  { name: 'azurite', start: () => startAzurite() },
];

export interface Harness {
  readonly stand: StandIn;
  readonly service: TableServiceClient;
  /** A new table (unique name) with a client for it. */
  table(prefix?: string): Promise<TableClient>;
}

let counter = 0;

/** Starts the target once for the enclosing describe and stops it afterwards. */
export function useTarget(target: Target): Harness {
  let stand: StandIn | undefined;
  let service: TableServiceClient | undefined;
  beforeAll(async () => {
    stand = await target.start();
    service = TableServiceClient.fromConnectionString(stand.connectionString, { allowInsecureConnection: true });
  });
  afterAll(async () => {
    await stand?.stop();
  });
  return {
    get stand() {
      return stand!;
    },
    get service() {
      return service!;
    },
    async table(prefix = 't') {
      const name = `${prefix}${process.pid}x${++counter}`;
      await service!.createTable(name);
      return TableClient.fromConnectionString(stand!.connectionString, name, { allowInsecureConnection: true });
    },
  };
}

/** The error a promise rejects with (the test fails if it resolves). */
export async function failure(p: Promise<unknown>): Promise<RestError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof RestError) return err;
    throw err;
  }
  throw new Error('expected the operation to fail, but it succeeded');
}

/** The service error code of a failed request (x-ms-error-code, or the transaction's body code). */
export function errorCode(err: RestError): string | undefined {
  return err.response?.headers.get('x-ms-error-code') ?? err.code;
}
