import { Migrator, type MigrationResult } from 'kysely';
import { WardenError } from '../core/errors.js';
import type { Store } from './database.js';
import { migrations } from './migrations/index.js';

export interface MigrationReport {
  applied: string[];
  alreadyApplied: number;
}

/**
 * Brings the schema up to date. Safe to run from several processes at once: the migrator holds
 * a lock (an advisory lock on PostgreSQL, an IMMEDIATE transaction on SQLite) while it works, and migrations
 * already applied are skipped, so running it twice changes nothing.
 */
export async function migrateToLatest(store: Store): Promise<MigrationReport> {
  return store.runExclusive(() => migrate(store));
}

async function migrate({ db }: Store): Promise<MigrationReport> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableName: 'warden_migrations',
    migrationLockTableName: 'warden_migrations_lock',
    // Migration numbers are handed out per change in parallel, so one may land after a higher
    // number a store already ran: run it then instead of refusing the store.
    allowUnorderedMigrations: true,
  });
  const before = (await migrator.getMigrations()).filter((m) => m.executedAt !== undefined).length;
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r: MigrationResult) => r.status === 'Error');
    throw new WardenError(
      'internal',
      `migration ${failed?.migrationName ?? '(unknown)'} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
    );
  }
  return {
    applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName),
    alreadyApplied: before,
  };
}
