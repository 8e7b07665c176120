import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { TableClient, type TableServiceClientOptions } from '@azure/data-tables';
import type { EnvReader } from './config.js';
import { ConfigError } from './errors.js';

/** Table Storage: a connection string (the local stand-ins, SAS) or an account URL with DefaultAzureCredential. */
export type TablesConnection = { kind: 'connectionString'; connectionString: string } | { kind: 'accountUrl'; accountUrl: string };

/** `TABLES_CONNECTION_STRING` or `TABLES_ACCOUNT_URL` (managed identity), read the same way by every service that uses the tables. */
export function readTablesConnection(env: EnvReader): TablesConnection {
  const connectionString = env.optionalString('TABLES_CONNECTION_STRING');
  const accountUrl = env.optionalString('TABLES_ACCOUNT_URL');
  if (connectionString && accountUrl) throw new ConfigError('TABLES_CONNECTION_STRING', 'set either it or TABLES_ACCOUNT_URL, not both');
  if (connectionString) {
    if (!/TableEndpoint=|UseDevelopmentStorage=true|AccountName=/i.test(connectionString)) {
      throw new ConfigError('TABLES_CONNECTION_STRING', 'must be a Table Storage connection string (TableEndpoint=… or UseDevelopmentStorage=true)');
    }
    return { kind: 'connectionString', connectionString };
  }
  // Without a trailing slash: the SDK joins the table's path to it.
  if (accountUrl) return { kind: 'accountUrl', accountUrl: env.url('TABLES_ACCOUNT_URL').replace(/\/+$/, '') };
  throw new ConfigError('TABLES_CONNECTION_STRING', 'is required (or TABLES_ACCOUNT_URL for managed identity)');
}

/** A client of one table; `credential` replaces DefaultAzureCredential for an account URL. */
export function openTableClient(connection: TablesConnection, table: string, options: TableServiceClientOptions = {}, credential?: TokenCredential): TableClient {
  if (connection.kind === 'accountUrl') return new TableClient(connection.accountUrl, table, credential ?? new DefaultAzureCredential(), options);
  // The local stand-ins speak plain http; the SDK refuses a shared key over http unless told.
  const allowInsecureConnection = /TableEndpoint=http:\/\/|UseDevelopmentStorage=true/i.test(connection.connectionString);
  return TableClient.fromConnectionString(connection.connectionString, table, { ...options, allowInsecureConnection });
}
