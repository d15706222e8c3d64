import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createTestStore, describeEachBackend, type TestStore } from '../../test/support/stores.js';
import { openStore } from './database.js';
import { migrateToLatest } from './migrate.js';
import { migrations } from './migrations/index.js';

const CLI = path.resolve('dist/cli/main.js');

function runInit(flags: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'init', ...flags], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describeEachBackend('migrations', (backend) => {
  let test: TestStore;
  afterEach(() => test.cleanup());

  it('apply once from two `warden init` processes racing, then change nothing when run again', async () => {
    test = await createTestStore(backend);
    const flags = test.databaseUrl
      ? ['--database-url', test.databaseUrl, '--data-dir', test.dataDir]
      : ['--data-dir', test.dataDir];
    const [a, b] = await Promise.all([runInit(flags), runInit(flags)]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    for (const run of [a, b]) expect(run.stdout.trim().split('\n').pop()).toMatch(/^wdn_[A-Za-z0-9_-]{43}$/);
    const all = Object.keys(migrations);
    const appliedCounts = [a, b].map((r) => Number(/\((\d+) migration\(s\) applied/.exec(r.stdout)?.[1]));
    expect(appliedCounts.sort()).toEqual([0, all.length]);

    const store = openStore(test.config);
    try {
      expect(await migrateToLatest(store)).toEqual({ applied: [], alreadyApplied: all.length });
      const names = (await store.db.introspection.getTables()).map((t) => t.name);
      for (const table of [
        'models',
        'model_versions',
        'audit_log',
        'audit_checkpoints',
        'api_tokens',
        'features',
      ]) {
        expect(names).toContain(table);
      }
      // both admin tokens were issued and audited on one unbroken chain
      const entries = await store.db
        .selectFrom('audit_log')
        .select(['seq', 'action'])
        .orderBy('seq')
        .execute();
      expect(entries.map((e) => [Number(e.seq), e.action])).toEqual([
        [1, 'token.created'],
        [2, 'token.created'],
      ]);
    } finally {
      await store.close();
    }
  });
});
