import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';
import { loadConfig, type Config } from '../../src/config/config.js';

export type Backend = 'sqlite' | 'postgres';

/** True when the global setup reached a PostgreSQL server. */
export const postgresAvailable = process.env.WARDEN_TEST_POSTGRES === '1';

/**
 * Runs a block once per backend. The PostgreSQL block is reported as skipped, loudly, when no
 * server was reachable (CI sets WARDEN_REQUIRE_POSTGRES=1 so that case fails instead).
 */
export function describeEachBackend(title: string, body: (backend: Backend) => void): void {
  describe(`${title} [sqlite]`, () => body('sqlite'));
  if (postgresAvailable) describe(`${title} [postgres]`, () => body('postgres'));
  else describe.skip(`${title} [postgres] — SKIPPED: no PostgreSQL server`, () => body('postgres'));
}

export interface TestStore {
  config: Config;
  dataDir: string;
  databaseUrl?: string;
  /** Drops the PostgreSQL database or removes the temporary folder. */
  cleanup(): Promise<void>;
}

function adminUrl(): string {
  return process.env.WARDEN_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** A fresh, empty store: a temporary folder, plus (for postgres) a new database created for this test. */
export async function createTestStore(backend: Backend, overrides: Partial<Config> = {}): Promise<TestStore> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-test-'));
  let databaseUrl: string | undefined;
  let dbName: string | undefined;
  if (backend === 'postgres') {
    dbName = `warden_t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl() });
    await admin.connect();
    await admin.query(`create database ${dbName}`);
    await admin.end();
    const url = new URL(adminUrl());
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
  }
  const config = {
    ...loadConfig({ dataDir, ...(databaseUrl ? { databaseUrl } : {}), port: 0 }, {}),
    // Test receivers listen on the loopback interface, which outbound rules refuse by default.
    webhookAllow: ['127.0.0.1'],
    // Every test client shares one address; the per-address limit is tested where it is set.
    anonymousRequestsPerMinute: 0,
    ...overrides,
  };
  return {
    config,
    dataDir,
    ...(databaseUrl ? { databaseUrl } : {}),
    async cleanup() {
      if (dbName) {
        const admin = new pg.Client({ connectionString: adminUrl() });
        await admin.connect();
        await admin.query(`drop database if exists ${dbName} with (force)`);
        await admin.end();
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
