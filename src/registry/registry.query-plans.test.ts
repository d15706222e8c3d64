import path from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import SqliteDatabase from '../db/sqlite-driver.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { findVersion } from './version.repository.js';

/**
 * The registry's hot lookups, run through the real HTTP API over a store holding thousands of
 * rows per table, with every statement they send captured and explained. A lookup path has an
 * index when the store can plan the statement without reading a large table from end to end: on
 * PostgreSQL, no sequential scan remains once sequential scans are priced out (`enable_seqscan =
 * off` — whether the planner prefers one at this size is a matter of cost, not of a missing
 * index); on SQLite, no `SCAN` of a table without an index. Reads of one model or one version
 * must also be one statement, planned through indexes with the default settings.
 */

const MODELS = 1500;
const VERSIONS = 8; // 12,000 versions
const FEATURES = 300;
const KEYS = 20;
/** A table with at least this many rows is large: reading it whole on a lookup is a missing index. */
const LARGE = 1000;

interface Captured {
  sql: string;
  params: unknown[];
}

/** Records the statements the store runs while `capturing` is on, whichever driver sends them. */
const captured: Captured[] = [];
let capturing = false;

// The driver's own method, put back after the run; it is only ever called with its client as `this`.
// eslint-disable-next-line @typescript-eslint/unbound-method
const pgQuery = pg.Client.prototype.query;
function capturePostgres(): void {
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [first, second] = args as [string | { text: string; values?: unknown[] }, unknown[] | undefined];
    if (capturing)
      captured.push(
        typeof first === 'string'
          ? { sql: first, params: second ?? [] }
          : { sql: first.text, params: first.values ?? [] },
      );
    return (pgQuery as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof pg.Client.prototype.query;
}

function captureSqlite(): () => void {
  const probe = new SqliteDatabase(':memory:');
  const statementProto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<
    'all' | 'get' | 'run' | 'iterate',
    (...a: unknown[]) => unknown
  >;
  probe.close();
  const originals = { ...statementProto };
  for (const method of ['all', 'get', 'run', 'iterate'] as const) {
    const original = originals[method];
    statementProto[method] = function (this: { source: string }, ...args: unknown[]) {
      if (capturing) captured.push({ sql: this.source, params: (args[0] as unknown[] | undefined) ?? [] });
      return original.apply(this, args);
    };
  }
  return () => Object.assign(statementProto, originals);
}

async function during(fn: () => Promise<{ status: number }>): Promise<Captured[]> {
  captured.length = 0;
  capturing = true;
  try {
    const res = await fn();
    expect(res.status).toBeLessThan(300);
  } finally {
    capturing = false;
  }
  // Authentication is cached and checked elsewhere; what is measured here is the registry's own work.
  return captured.filter((c) => !/\b(api_tokens|ui_sessions)\b/.test(c.sql));
}

describeEachBackend('registry lookups read through indexes', (backend) => {
  let server: TestServer;
  let restore = () => {};
  let largeTables: Set<string>;

  beforeAll(async () => {
    if (backend === 'postgres') {
      capturePostgres();
      restore = () => {
        pg.Client.prototype.query = pgQuery;
      };
    } else restore = captureSqlite();
    server = await startTestServer(backend);
    const db = server.ctx.db;
    const at = '2026-01-01T00:00:00.000Z';
    const who = { created_at: at, created_by: 'seed' };
    const features = Array.from({ length: FEATURES }, (_, f) => ({
      id: `fea_${f}`,
      name: `feature_${String(f).padStart(3, '0')}`,
      owner: 'seed',
      type: 'number',
      semver: '1.0.0',
      status: 'active',
      pii_findings: '[]',
      ...who,
      updated_at: at,
    }));
    await db.insertInto('features').values(features).execute();
    await db
      .insertInto('signing_keys')
      .values(
        Array.from({ length: KEYS }, (_, k) => ({
          id: `key_${k}`,
          name: `key-${k}`,
          public_key: 'x',
          ...who,
        })),
      )
      .execute();
    for (let m0 = 0; m0 < MODELS; m0 += 100) {
      const ms = Array.from({ length: 100 }, (_, i) => m0 + i);
      await db
        .insertInto('models')
        .values(
          ms.map((m) => ({
            id: `mdl_${m}`,
            name: `m-${String(m).padStart(4, '0')}`,
            owner: `owner-${m % 50}`,
            risk_tier: 1 + (m % 4),
            consumers: '[]',
            pii_findings: '[]',
            champion_version_id: `ver_${m}_0`,
            ...who,
            updated_at: at,
          })),
        )
        .execute();
      await db
        .insertInto('model_tags')
        .values(ms.map((m) => ({ model_id: `mdl_${m}`, key: 'team', value: `t${m % 30}` })))
        .execute();
      const versions = ms.flatMap((m) => Array.from({ length: VERSIONS }, (_, v) => ({ m, v })));
      await db
        .insertInto('model_versions')
        .values(
          versions.map(({ m, v }) => ({
            id: `ver_${m}_${v}`,
            model_id: `mdl_${m}`,
            version: `1.${v}.0`,
            lineage: '{"datasets":[]}',
            metrics: '{}',
            segment_metrics: '{}',
            input_schema: '[]',
            tags: '{}',
            stage: v === 0 ? 'production' : 'development',
            artifact_sha256: 'a'.repeat(64),
            artifact_size: 1,
            pii_findings: '[]',
            ...who,
            updated_at: at,
          })),
        )
        .execute();
      await db
        .insertInto('version_features')
        .values(
          versions.flatMap(({ m, v }) => [
            { version_id: `ver_${m}_${v}`, feature_id: `fea_${(m + v) % FEATURES}` },
            { version_id: `ver_${m}_${v}`, feature_id: `fea_${(m * 7 + v + 1) % FEATURES}` },
          ]),
        )
        .execute();
      await db
        .insertInto('artifact_signatures')
        .values(
          versions.map(({ m, v }) => ({
            id: `sig_${m}_${v}`,
            version_id: `ver_${m}_${v}`,
            key_id: `key_${(m + v) % KEYS}`,
            signature: 'x',
            verified: 1,
            ...who,
          })),
        )
        .execute();
    }
    await sql`analyze`.execute(db);
    const counts = await Promise.all(
      ['models', 'model_tags', 'model_versions', 'version_features', 'artifact_signatures', 'features'].map(
        async (table) => {
          const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(
            db,
          );
          return [table, Number(rows[0]!.n)] as const;
        },
      ),
    );
    largeTables = new Set(counts.filter(([, n]) => n >= LARGE).map(([t]) => t));
  }, 300_000);

  afterAll(async () => {
    restore();
    await server?.close();
  });

  /**
   * From the store's own plan of a statement: the tables it reads whole, and whether it sorts the
   * rows of the outer query (rather than reading them in order from an index).
   */
  async function explain(
    statement: Captured,
    seqScans: 'priced out' | 'default',
  ): Promise<{ scans: string[]; outerSort: boolean }> {
    if (backend === 'postgres') {
      const client = new pg.Client({ connectionString: server.store.databaseUrl });
      await client.connect();
      try {
        if (seqScans === 'priced out') await client.query('set enable_seqscan = off');
        const { rows } = await client.query<{ 'QUERY PLAN': unknown }>(
          `explain (format json) ${statement.sql}`,
          statement.params,
        );
        const scans: string[] = [];
        let outerSort = false;
        const walk = (node: Record<string, unknown>, outer: boolean) => {
          if (node['Node Type'] === 'Seq Scan') scans.push(String(node['Relation Name']));
          if (outer && String(node['Node Type']).endsWith('Sort')) outerSort = true;
          for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? [])
            walk(child, outer && !['SubPlan', 'InitPlan'].includes(String(child['Parent Relationship'])));
        };
        walk((rows[0]!['QUERY PLAN'] as { Plan: Record<string, unknown> }[])[0]!.Plan, true);
        return { scans, outerSort };
      } finally {
        await client.end();
      }
    }
    const sqlite = new SqliteDatabase(path.join(server.store.dataDir, 'warden.db'), { readonly: true });
    try {
      const rows = sqlite.prepare(`explain query plan ${statement.sql}`).all(...statement.params) as {
        parent: number;
        detail: string;
      }[];
      // SQLite names a table by its alias in the plan.
      const aliases = new Map([...statement.sql.matchAll(/"(\w+)" as "(\w+)"/g)].map((m) => [m[2]!, m[1]!]));
      return {
        scans: rows.flatMap((r) => {
          const name = /^SCAN (?:TABLE )?(\w+)$/.exec(r.detail)?.[1];
          return name ? [aliases.get(name) ?? name] : [];
        }),
        outerSort: rows.some((r) => r.parent === 0 && r.detail.startsWith('USE TEMP B-TREE FOR ORDER BY')),
      };
    } finally {
      sqlite.close();
    }
  }

  async function expectIndexed(
    statements: Captured[],
    seqScans: 'priced out' | 'default' = 'priced out',
  ): Promise<void> {
    const reads = statements.filter((s) => /^\s*(select|with)\b/i.test(s.sql));
    expect(reads.length).toBeGreaterThan(0);
    for (const statement of reads) {
      const large = (await explain(statement, seqScans)).scans.filter((t) => largeTables.has(t));
      expect(large, statement.sql).toEqual([]);
    }
  }

  it('seeds tables large enough for an index to matter', () => {
    expect([...largeTables].sort()).toEqual([
      'artifact_signatures',
      'model_tags',
      'model_versions',
      'models',
      'version_features',
    ]);
  });

  it('reads a version in one statement, through indexes', async () => {
    const statements = await during(() => server.api('GET', '/api/v1/models/m-0421/versions/1.3.0'));
    expect(statements).toHaveLength(1);
    await expectIndexed(statements, 'default');
  });

  it('answers concurrent version reads with one statement on PostgreSQL, each as a lone read would, through indexes', async () => {
    const db = server.ctx.db;
    const keys: [string, string][] = [
      ['m-0421', '1.3.0'],
      ['m-0007', '1.0.0'],
      ['m-0421', '1.9.9'], // no such version
      ['m-9999', '1.0.0'], // no such model
      ['m-1499', '1.7.0'],
      ['m-0421', '1.3.0'], // asked twice
    ];
    const alone: unknown[] = [];
    for (const [model, version] of keys) alone.push(await findVersion(db, model, version));
    expect(alone.map((v) => (v as { id: string } | undefined)?.id)).toEqual([
      'ver_421_3',
      'ver_7_0',
      undefined,
      undefined,
      'ver_1499_7',
      'ver_421_3',
    ]);
    captured.length = 0;
    capturing = true;
    let together: unknown[];
    try {
      together = await Promise.all(keys.map(([model, version]) => findVersion(db, model, version)));
    } finally {
      capturing = false;
    }
    expect(together).toEqual(alone);
    const statements = [...captured];
    expect(statements).toHaveLength(backend === 'postgres' ? 1 : keys.length);
    await expectIndexed(statements, 'default');
    await expectIndexed(statements, 'priced out');
  });

  it('reads a model in one statement, through indexes', async () => {
    const statements = await during(() => server.api('GET', '/api/v1/models/m-0421'));
    expect(statements).toHaveLength(1);
    await expectIndexed(statements, 'default');
  });

  it('lists a model’s versions in id order from an index, and a page of models through indexes', async () => {
    const versions = await during(() => server.api('GET', '/api/v1/models/m-0421/versions?limit=3'));
    await expectIndexed(versions);
    const page = versions.find((s) => s.sql.startsWith('select "model_versions".'))!;
    expect((await explain(page, 'default')).outerSort, page.sql).toBe(false);
    await expectIndexed(await during(() => server.api('GET', '/api/v1/models?limit=20')));
    await expectIndexed(await during(() => server.api('GET', '/api/v1/models?owner=owner-7&limit=20')));
  });

  it('finds the models consuming a feature and the features of a model through indexes', async () => {
    await expectIndexed(await during(() => server.api('GET', '/api/v1/features/feature_042/models')));
    await expectIndexed(await during(() => server.api('GET', '/api/v1/models/m-0421/features')));
  });

  it('registers a version through indexes, in one transaction of few statements that appends to the audit chain last', async () => {
    const statements = await during(() =>
      server.api('POST', '/api/v1/models/m-0421/versions', {
        body: {
          version: '1.8.0',
          lineage: { datasets: [{ name: 'train', uri: 's3://b/t.parquet', sha256: 'b'.repeat(64) }] },
          features: ['feature_007'],
        },
      }),
    );
    await expectIndexed(statements);
    // PostgreSQL: begin; the model with its versions; the previous version; the version; its
    // features (read, link); the model's row locked; its MLflow number; the audit entry, linked to
    // the chain's head in the statement that locks it; commit. Every statement is a round trip there.
    expect(statements).toHaveLength(backend === 'postgres' ? 10 : 14);
    expect(statements.filter((c) => /^\s*(begin|commit)\b/i.test(c.sql)).map((c) => c.sql.trim())).toEqual([
      statements[0]!.sql.trim(),
      'commit',
    ]);
    expect(statements.at(-2)!.sql).toMatch(/audit_head/);
    if (backend === 'postgres')
      expect(statements.filter((c) => /\baudit_head\b/.test(c.sql))).toHaveLength(1);
  });
});
