import { createHash } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { canonicalJson } from '../core/canonical-json.js';
import { startServer } from '../server/server.js';
import { features, post, registerMonitoredModel, seeded } from './monitoring.test-helper.js';

const NOW = '2026-03-02T10:30:00.000Z';
const V = '/api/v1/models/fraud/versions/1.0.0';

describeEachBackend('monitoring ingestion API', (backend) => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer(backend, { now: () => new Date(NOW) });
    await registerMonitoredModel(server, 'fraud');
  });
  afterEach(async () => {
    await server.close();
  });

  const countRecords = async () =>
    Number(
      (
        await server.ctx.db
          .selectFrom('inference_records')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const overallRecords = async () => {
    const rows = await server.ctx.db
      .selectFrom('monitoring_windows')
      .select(['records'])
      .where('segment', '=', '')
      .execute();
    return rows.reduce((s, r) => s + Number(r.records), 0);
  };

  function batch(n: number, offset = 0, seed = 1) {
    const rng = seeded(seed);
    return Array.from({ length: n }, (_, i) => ({
      id: `r${offset + i}`,
      timestamp: '2026-03-02T09:15:00Z',
      features: features(rng),
      prediction: i % 2,
      score: i % 2 === 0 ? 0.2 : 0.8,
    }));
  }

  it('stores a batch once: a retried batch is accepted and counts nothing twice', async () => {
    const records = batch(50);
    const first = await post(server, `${V}/inferences`, records);
    expect(first).toMatchObject({ records: 50, accepted: 50, duplicates: 0 });
    const again = await post(server, `${V}/inferences`, records);
    expect(again).toMatchObject({ records: 50, accepted: 0, duplicates: 50 });
    expect(await countRecords()).toBe(50);
    expect(await overallRecords()).toBe(50);
    // A batch overlapping the first half counts only its new half.
    const overlap = await post(server, `${V}/inferences`, batch(50, 25));
    expect(overlap).toMatchObject({ accepted: 25, duplicates: 25 });
    expect(await overallRecords()).toBe(75);
  });

  it('writes one audit entry per accepted batch with the SHA-256 of its canonical JSON', async () => {
    const records = batch(10);
    const result = await post(server, `${V}/inferences`, records);
    const expected = createHash('sha256').update(canonicalJson(records)).digest('hex');
    expect(result.digest).toBe(expected);
    const entries = await server.ctx.db
      .selectFrom('audit_log')
      .selectAll()
      .where('action', '=', 'monitoring.inferences_ingested')
      .execute();
    expect(entries).toHaveLength(1);
    expect(JSON.parse(entries[0]!.change)).toMatchObject({ digest: expected, accepted: 10, records: 10 });
  });

  it('digests non-ASCII text and keys in UTF-16 order, and keeps each record its own time', async () => {
    const values = ['Ωmega', '日本', 'grinning 😀', 'quote " and \\ backslash', 'Ünïcödé', 'é'];
    const records = values.map((country, i) => ({
      id: `u${i}`,
      timestamp: `2026-03-02T0${i % 3}:1${i}:00Z`,
      features: { country, amount: 1e21 * i + 0.1, age: 20 + i, é: 1, Z: 'z', a: '😀', '\u{1F600}': 2, ﬀ: 3 },
      prediction: i % 2,
      ...(i % 2 === 0 ? { segment: { région: 'ünï' } } : {}),
    }));
    const result = await post(server, `${V}/inferences`, records);
    expect(result.digest).toBe(createHash('sha256').update(canonicalJson(records)).digest('hex'));
    const rows = await server.ctx.db
      .selectFrom('inference_records')
      .select(['record_id', 'input_sha256', 'ts', 'features'])
      .orderBy('record_id')
      .execute();
    expect(rows).toEqual(
      records.map((r) => ({
        record_id: r.id,
        input_sha256: createHash('sha256').update(canonicalJson(r.features)).digest('hex'),
        ts: new Date(r.timestamp).toISOString(),
        features: canonicalJson(r.features),
      })),
    );
  });

  it('accepts NDJSON and keeps the input hash, version and time of each record', async () => {
    const records = batch(3);
    const res = await server.api('POST', `${V}/inferences`, {
      body: records.map((r) => JSON.stringify(r)).join('\n') + '\n',
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(res.status).toBe(200);
    const row = await server.ctx.db
      .selectFrom('inference_records')
      .selectAll()
      .where('record_id', '=', 'r1')
      .executeTakeFirstOrThrow();
    expect(row.input_sha256).toBe(
      createHash('sha256').update(canonicalJson(records[1]!.features)).digest('hex'),
    );
    expect(row.ts).toBe('2026-03-02T09:15:00.000Z');
    expect(row.window_start).toBe('2026-03-02T09:00:00.000Z');
    expect(JSON.parse(row.features!)).toEqual(records[1]!.features);
  });

  it('rejects the whole batch naming the line and field of the first bad record', async () => {
    const records: any[] = batch(30);
    records[17].features.amount = 'abc';
    const res = await server.api('POST', `${V}/inferences`, { body: records });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('records[17].features.amount');
    expect(res.body.error.message).toContain('line 18');
    expect(res.body.error.message).toContain('records[17].features.amount: expected a finite number');
    expect(await countRecords()).toBe(0);
    expect(await overallRecords()).toBe(0);
  });

  it.each([
    [
      'a timestamp further ahead of the server clock than the allowed skew',
      (r: any) => (r.timestamp = '2026-03-02T10:36:00Z'),
      'records[4].timestamp',
    ],
    ['a value below the minimum', (r: any) => (r.features.amount = -1), 'records[4].features.amount'],
    ['a non-integer integer', (r: any) => (r.features.age = 3.5), 'records[4].features.age'],
    ['a missing prediction', (r: any) => delete r.prediction, 'records[4].prediction'],
    ['an unknown top-level field', (r: any) => (r.extra = 1), 'records[4].extra'],
    ['a bad timestamp', (r: any) => (r.timestamp = 'yesterday'), 'records[4].timestamp'],
    ['a duplicate id', (r: any) => (r.id = 'r0'), 'records[4].id'],
    ['a nested feature', (r: any) => (r.features.other = { a: 1 }), 'records[4].features.other'],
    [
      'a NaN string where a number is required',
      (r: any) => (r.features.amount = 'NaN'),
      'records[4].features.amount',
    ],
    [
      'too many segment attributes',
      (r: any) => (r.segment = Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, 'x']))),
      'records[4].segment',
    ],
    ['a string score', (r: any) => (r.score = '0.5'), 'records[4].score'],
    ['an unknown signal value type', (r: any) => (r.signals = { refusal: 1 }), 'records[4].signals.refusal'],
  ] as [string, (r: any) => unknown, string][])('rejects %s', async (_what, spoil, field) => {
    const records: any[] = batch(8);
    spoil(records[4]);
    const res = await server.api('POST', `${V}/inferences`, { body: records });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe(field);
    expect(await countRecords()).toBe(0);
  });

  it('rejects NaN in NDJSON naming the line, and stores nothing', async () => {
    const lines = batch(3).map((r) => JSON.stringify(r));
    lines[2] = lines[2]!.replace(/"amount":[0-9.]+/, '"amount":NaN');
    const res = await server.api('POST', `${V}/inferences`, {
      body: ['', ...lines].join('\n'),
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('line 4');
    expect(await countRecords()).toBe(0);
  });

  it('refuses unknown models and versions (404), archived versions (409), big batches (413), other media (415)', async () => {
    expect(
      (await server.api('POST', '/api/v1/models/nope/versions/1.0.0/inferences', { body: batch(1) })).status,
    ).toBe(404);
    expect(
      (await server.api('POST', '/api/v1/models/fraud/versions/9.9.9/inferences', { body: batch(1) })).status,
    ).toBe(404);
    const big = Array.from({ length: 10_001 }, (_, i) => ({ id: `b${i}`, features: {}, prediction: 0 }));
    const tooMany = await server.api('POST', `${V}/inferences`, { body: big });
    expect(tooMany.status).toBe(413);
    const text = await server.api('POST', `${V}/inferences`, {
      body: 'id,prediction\n1,0',
      headers: { 'content-type': 'text/csv' },
    });
    expect(text.status).toBe(415);
    await server.ctx.db.updateTable('model_versions').set({ stage: 'archived' }).execute();
    const archived = await server.api('POST', `${V}/inferences`, { body: batch(1) });
    expect(archived.status).toBe(409);
    expect(await countRecords()).toBe(0);
  });

  it('refuses a token without an ingesting role', async () => {
    const viewer = await server.tokenFor('vera', ['viewer']);
    const res = await server.api('POST', `${V}/inferences`, { body: batch(1), token: viewer });
    expect(res.status).toBe(403);
  });

  it('joins labels and feedback by id whether they arrive before or after the record', async () => {
    const early = await post(server, `${V}/labels`, [
      { id: 'r0', label: 0 },
      { id: 'r1', label: 0 },
    ]);
    expect(early).toMatchObject({ joined: 0, pending: 2 });
    await post(server, `${V}/feedback`, [{ id: 'r1', rating: 'down', report: 'wrong' }]);
    await post(server, `${V}/inferences`, batch(4));
    const late = await post(server, `${V}/labels`, [
      { id: 'r2', label: 0 },
      { id: 'r3', label: 1 },
      { id: 'r0', label: 1 },
    ]);
    // r0 already has its (early) label: the later one is a duplicate.
    expect(late).toMatchObject({ joined: 2, pending: 0, duplicates: 1 });
    const window = await server.ctx.db
      .selectFrom('monitoring_windows')
      .select('profile')
      .where('segment', '=', '')
      .executeTakeFirstOrThrow();
    const profile = JSON.parse(window.profile);
    // predictions are i % 2: r0→0 (label 0), r1→1 (label 0), r2→0 (label 0), r3→1 (label 1)
    expect(profile.performance).toMatchObject({ labelled: 4, correct: 3, tp: 1, fp: 1, tn: 2, fn: 0 });
    expect(profile.labels).toEqual({ '0': 3, '1': 1 });
    expect(profile.feedback).toEqual({ up: 0, down: 1 });
    const pending = await server.ctx.db.selectFrom('monitoring_pending').selectAll().execute();
    expect(pending).toHaveLength(0);
  });

  it('keeps only the hash and profile when the model says storeRawFeatures: false', async () => {
    const put = await server.api('PUT', '/api/v1/models/fraud/monitoring/config', {
      body: { storeRawFeatures: false },
    });
    expect(put.status).toBe(200);
    await post(server, `${V}/inferences`, batch(5));
    const rows = await server.ctx.db
      .selectFrom('inference_records')
      .select(['features', 'input_sha256'])
      .execute();
    expect(rows).toHaveLength(5);
    for (const r of rows) {
      expect(r.features).toBeNull();
      expect(r.input_sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(await overallRecords()).toBe(5);
  });

  it('keeps a reference baseline: profile of every row, verbatim rows, a repeated batch ignored', async () => {
    const rng = seeded(7);
    const reference = Array.from({ length: 200 }, (_, i) => ({
      features: features(rng),
      label: i % 2,
      score: 0.5,
    }));
    expect(await post(server, `${V}/reference`, reference)).toMatchObject({ accepted: 200 });
    expect(await post(server, `${V}/reference`, reference)).toMatchObject({ accepted: 0, duplicates: 200 });
    const summary = await server.api('GET', `${V}/reference`);
    expect(summary.status).toBe(200);
    expect(summary.body).toMatchObject({ records: 200, storedRows: 200, batches: 1 });
    const amount = summary.body.features.find((f: any) => f.name === 'amount');
    expect(amount.type).toBe('number');
    expect(amount.quantiles.p50).toBeGreaterThan(90);
    expect(amount.quantiles.p50).toBeLessThan(110);
    expect(summary.body.labels).toEqual({ '0': 100, '1': 100 });
    expect((await server.api('DELETE', `${V}/reference`)).status).toBe(200);
    expect((await server.api('GET', `${V}/reference`)).status).toBe(404);
  });

  it('loses no acknowledged record when the server goes away right after answering', async () => {
    await post(server, `${V}/inferences`, batch(20));
    // Close the store under the running server, as a crash would, and reopen over the same store.
    await server.ctx.store.close();
    const reopened = await startServer(server.store.config, { background: false, now: () => new Date(NOW) });
    try {
      const n = await reopened.ctx.db
        .selectFrom('inference_records')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(n.n)).toBe(20);
      const w = await reopened.ctx.db
        .selectFrom('monitoring_windows')
        .select('records')
        .where('segment', '=', '')
        .executeTakeFirstOrThrow();
      expect(Number(w.records)).toBe(20);
    } finally {
      await reopened.close();
    }
    // The original server's store is closed already; reopen a handle so close() in afterEach works.
    (server.ctx.store as { close: () => Promise<void> }).close = () => Promise.resolve();
  });
});

describeEachBackend('concurrent ingestion', (backend) => {
  it('counts each record once when the same batch arrives twice at the same time', async () => {
    const server = await startTestServer(backend, { now: () => new Date(NOW) });
    try {
      await registerMonitoredModel(server, 'fraud');
      const rng = seeded(9);
      const records = Array.from({ length: 300 }, (_, i) => ({
        id: `x${i}`,
        timestamp: i % 2 === 0 ? '2026-03-02T08:10:00Z' : '2026-03-02T09:10:00Z',
        features: features(rng),
        segment: { region: i % 3 === 0 ? 'eu' : 'us' },
        prediction: 0,
      }));
      const reversed = [...records].reverse();
      const answers = await Promise.all([
        server.api('POST', `${V}/inferences`, { body: records }),
        server.api('POST', `${V}/inferences`, { body: reversed }),
        server.api('POST', `${V}/inferences`, { body: records }),
      ]);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      expect(answers.reduce((s, a) => s + (a.body as { accepted: number }).accepted, 0)).toBe(300);
      const windows = await server.ctx.db
        .selectFrom('monitoring_windows')
        .select(['segment', 'records'])
        .execute();
      const total = (segment: string) =>
        windows.filter((w) => w.segment === segment).reduce((s, w) => s + Number(w.records), 0);
      expect(total('')).toBe(300);
      expect(total('region=eu')).toBe(100);
      expect(total('region=us')).toBe(200);
    } finally {
      await server.close();
    }
  });
});
