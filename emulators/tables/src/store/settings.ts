/**
 * Account and table settings beside the data, in the same SQLite file (so they
 * survive a restart like the rows): the Table service properties (logging,
 * metrics, CORS rules) and each table's stored access policies.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';

export interface RetentionPolicy {
  readonly enabled: boolean;
  readonly days?: number;
}

export interface LoggingSettings {
  readonly version: string;
  readonly delete: boolean;
  readonly read: boolean;
  readonly write: boolean;
  readonly retentionPolicy: RetentionPolicy;
}

export interface MetricsSettings {
  readonly version: string;
  readonly enabled: boolean;
  readonly includeApis?: boolean;
  readonly retentionPolicy: RetentionPolicy;
}

/** One CORS rule; the lists are the comma-separated text the service stores. */
export interface CorsRule {
  readonly allowedOrigins: string;
  readonly allowedMethods: string;
  readonly allowedHeaders: string;
  readonly exposedHeaders: string;
  readonly maxAgeInSeconds: number;
}

export interface ServiceProperties {
  readonly logging: LoggingSettings;
  readonly hourMetrics: MetricsSettings;
  readonly minuteMetrics: MetricsSettings;
  readonly cors: readonly CorsRule[];
}

/** A stored access policy (Set Table ACL); times are normalised DateTime text. */
export interface AccessPolicy {
  readonly id: string;
  readonly start?: string;
  readonly expiry?: string;
  readonly permission?: string;
}

/**
 * A new account logs nothing and keeps no metrics: this emulator writes no
 * `$logs` or `$Metrics` tables, so the defaults say so. No CORS rules: a
 * browser origin is refused until the account allows it, as in the service.
 */
export const defaultServiceProperties: ServiceProperties = {
  logging: { version: '1.0', delete: false, read: false, write: false, retentionPolicy: { enabled: false } },
  hourMetrics: { version: '1.0', enabled: false, retentionPolicy: { enabled: false } },
  minuteMetrics: { version: '1.0', enabled: false, retentionPolicy: { enabled: false } },
  cors: [],
};

export class Settings {
  /** Read on every request that carries an Origin: kept in memory, written through. */
  private properties: ServiceProperties | undefined;
  private readonly s: {
    get: Statement<[string], { value: string }>;
    put: Statement<[string, string]>;
    acl: Statement<[number], { policies: string }>;
    putAcl: Statement<[number, string]>;
  };

  constructor(db: Db) {
    this.s = {
      get: db.prepare('SELECT value FROM settings WHERE name = ?'),
      put: db.prepare('INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)'),
      acl: db.prepare('SELECT policies FROM table_acls WHERE tid = ?'),
      putAcl: db.prepare('INSERT OR REPLACE INTO table_acls (tid, policies) VALUES (?, ?)'),
    };
  }

  serviceProperties(): ServiceProperties {
    if (!this.properties) {
      const row = this.s.get.get('serviceProperties');
      this.properties = row ? (JSON.parse(row.value) as ServiceProperties) : defaultServiceProperties;
    }
    return this.properties;
  }

  setServiceProperties(properties: ServiceProperties): void {
    this.s.put.run('serviceProperties', JSON.stringify(properties));
    this.properties = properties;
  }

  acl(tid: number): AccessPolicy[] {
    const row = this.s.acl.get(tid);
    return row ? (JSON.parse(row.policies) as AccessPolicy[]) : [];
  }

  setAcl(tid: number, policies: readonly AccessPolicy[]): void {
    this.s.putAcl.run(tid, JSON.stringify(policies));
  }
}
