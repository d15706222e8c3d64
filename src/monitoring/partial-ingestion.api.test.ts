import { createHash } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { parseExposition } from '../metrics/exposition.test-helper.js';
import { post, registerMonitoredModel } from './monitoring.test-helper.js';

const NOW = '2026-03-02T10:30:00.000Z';

/**
 * SHA-256 of a JSON value with keys sorted at every level (RFC 8785 for the plain values used
 * here), written out independently of the server's canonical JSON.
 */
function sortedJsonSha256(value: unknown): string {
  const text = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(text).join(',')}]`;
    if (v !== null && typeof v === 'object')
      return `{${Object.keys(v)
        .sort()
        .map((k) => `${JSON.stringify(k)}:${text((v as Record<string, unknown>)[k])}`)
        .join(',')}}`;
    return JSON.stringify(v);
  };
  return createHash('sha256').update(text(value)).digest('hex');
}

describeEachBackend('partial ingestion (?partial=true)', (backend) => {
  let server: TestServer;
  // The ingestion counters belong to the process: one model name per backend block.
  const model = `partial-${backend}`;
  const V = `/api/v1/models/${model}/versions/1.0.0`;
  beforeEach(async () => {
    server = await startTestServer(backend, { now: () => new Date(NOW) });
    await registerMonitoredModel(server, model);
  });
  afterEach(async () => {
    await server.close();
  });

  const good = (id: string, amount = 100) => ({
    id,
    timestamp: '2026-03-02T09:15:00Z',
    features: { amount, age: 30, country: 'de' },
    prediction: 1,
    score: 0.8,
  });
  const storedIds = async () =>
    (
      await server.ctx.db.selectFrom('inference_records').select('record_id').orderBy('record_id').execute()
    ).map((r) => r.record_id);
  const overallProfile = async () => {
    const row = await server.ctx.db
      .selectFrom('monitoring_windows')
      .select(['records', 'profile'])
      .where('segment', '=', '')
      .executeTakeFirstOrThrow();
    return { records: Number(row.records), profile: JSON.parse(row.profile) };
  };
  const auditChanges = async (action: string) =>
    (await server.ctx.db.selectFrom('audit_log').select('change').where('action', '=', action).execute()).map(
      (e) => JSON.parse(e.change),
    );
  const ingested = async () => {
    const res = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    const samples = parseExposition(await res.text()).samples.filter(
      (s) => s.name === 'warden_ingested_records_total' && s.labels.model === model,
    );
    const of = (outcome: string) => samples.find((s) => s.labels.outcome === outcome)?.value ?? 0;
    return { accepted: of('accepted'), rejected: of('rejected') };
  };

  it('stores the good records, lists the bad ones with field and reason, and counts only the good', async () => {
    const before = await ingested();
    const body = [
      good('a'),
      { ...good('b'), features: { amount: 'lots', age: 30, country: 'de' } },
      good('c', 120),
      { id: 'd', features: { amount: 1 } },
      { ...good('a'), score: 0.1 },
      // Same id as the refused record b: a refused record does not make this one a duplicate.
      good('b', 90),
      'not a record',
      { ...good('e'), colour: 'red' },
    ];
    const result = await post(server, `${V}/inferences?partial=true`, body);
    expect(result.refused).toEqual([
      { index: 1, id: 'b', field: 'features.amount', reason: 'expected a finite number, got "lots"' },
      { index: 3, id: 'd', field: 'prediction', reason: 'required' },
      { index: 4, id: 'a', field: 'id', reason: 'duplicate id "a" in this batch' },
      { index: 6, id: null, field: '', reason: 'expected an object, got "not a record"' },
      { index: 7, id: 'e', field: 'colour', reason: 'unknown field "colour"' },
    ]);
    expect(result).toMatchObject({ records: 8, accepted: 3, duplicates: 0 });
    expect(await storedIds()).toEqual(['a', 'b', 'c']);

    // The window profile holds the three good records only: amounts 100, 120, 90.
    const { records, profile } = await overallProfile();
    expect(records).toBe(3);
    expect(profile.records).toBe(3);

    // The audit digest covers exactly the accepted records, in batch order.
    const accepted = [body[0], body[2], body[5]];
    const digest = sortedJsonSha256(accepted);
    expect(result.digest).toBe(digest);
    const [change] = await auditChanges('monitoring.inferences_ingested');
    expect(change).toMatchObject({ records: 8, accepted: 3, refused: 5, digest });

    const after = await ingested();
    expect(after.accepted - before.accepted).toBe(3);
    expect(after.rejected - before.rejected).toBe(5);
  });

  it('stays all-or-nothing without partial=true (and with partial=false)', async () => {
    const body = [good('a'), { ...good('b'), features: { amount: -5 } }];
    for (const query of ['', '?partial=false']) {
      const res = await server.api('POST', `${V}/inferences${query}`, { body });
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe('records[1].features.amount');
    }
    expect(await storedIds()).toEqual([]);
    expect(await auditChanges('monitoring.inferences_ingested')).toEqual([]);
    const odd = await server.api('POST', `${V}/inferences?partial=yes`, { body: [good('a')] });
    expect(odd.status).toBe(400);
  });

  it('refuses an NDJSON line that is not JSON and keeps the lines around it', async () => {
    const text = [JSON.stringify(good('a')), '{"id": "b", NaN}', '', JSON.stringify(good('c'))].join('\n');
    const res = await server.api('POST', `${V}/inferences?partial=true`, {
      body: text,
      headers: { 'content-type': 'application/x-ndjson' },
    });
    expect(res.status).toBe(200);
    const result = res.body;
    expect(result.refused).toHaveLength(1);
    expect(result.refused[0]).toMatchObject({ index: 1, id: null, field: '' });
    expect(result.refused[0].reason).toMatch(/^not valid JSON/);
    expect(await storedIds()).toEqual(['a', 'c']);
  });

  it('stores nothing and writes no audit entry when every record is refused', async () => {
    const result = await post(server, `${V}/inferences?partial=true`, [{ id: 'x' }, { id: 'y' }]);
    expect(result).toMatchObject({ records: 2, accepted: 0, duplicates: 0 });
    expect(result.refused.map((r: any) => [r.index, r.field])).toEqual([
      [0, 'prediction'],
      [1, 'prediction'],
    ]);
    expect(await storedIds()).toEqual([]);
    expect(await auditChanges('monitoring.inferences_ingested')).toEqual([]);
  });

  it('judges labels, feedback and signals record by record too', async () => {
    await post(server, `${V}/inferences`, [good('a'), good('b'), { ...good('c'), prediction: 0 }]);
    const labels = await post(server, `${V}/labels?partial=true`, [
      { id: 'a', label: 1 },
      { id: 'b', label: { yes: true } },
      { id: 'c', label: 1 },
    ]);
    expect(labels).toMatchObject({ records: 3, accepted: 2, joined: 2, duplicates: 0 });
    expect(labels.refused).toEqual([
      {
        index: 1,
        id: 'b',
        field: 'label',
        reason: 'expected a finite number, string or boolean, got an object',
      },
    ]);
    const feedback = await post(server, `${V}/feedback?partial=true`, [
      { id: 'a', rating: 'meh' },
      { id: 'b', rating: 'down' },
    ]);
    expect(feedback).toMatchObject({ accepted: 1, joined: 1 });
    expect(feedback.refused).toEqual([
      { index: 0, id: 'a', field: 'rating', reason: 'expected "up" or "down", got "meh"' },
    ]);
    const signals = await post(server, `${V}/signals?partial=true`, [
      { id: 'a', signals: { jailbreak_attempt: true } },
      { id: 'b', signals: { jailbreak_attempt: 3 } },
      { id: 'c', signals: { jailbreak_attempt: false, category: 'violence' } },
    ]);
    expect(signals).toMatchObject({ accepted: 2, joined: 2 });
    expect(signals.refused).toEqual([
      {
        index: 1,
        id: 'b',
        field: 'signals.jailbreak_attempt',
        reason: 'expected a boolean or a string, got 3',
      },
    ]);

    const { profile } = await overallProfile();
    // a: prediction 1, label 1 (tp); c: prediction 0, label 1 (fn). b's label was refused.
    expect(profile.performance).toMatchObject({ labelled: 2, correct: 1, tp: 1, fn: 1, fp: 0, tn: 0 });
    expect(profile.feedback).toEqual({ up: 0, down: 1 });
    expect(profile.signals.jailbreak_attempt).toMatchObject({ n: 2, events: 1 });
    expect(profile.signals.category).toMatchObject({ n: 1, events: 1, values: { violence: 1 } });

    const labelDigest = sortedJsonSha256([
      { id: 'a', label: 1 },
      { id: 'c', label: 1 },
    ]);
    expect(labels.digest).toBe(labelDigest);
    expect(await auditChanges('monitoring.labels_ingested')).toEqual([
      expect.objectContaining({ digest: labelDigest, refused: 1, accepted: 2 }),
    ]);
    expect(await auditChanges('monitoring.signals_ingested')).toEqual([
      expect.objectContaining({ refused: 1, accepted: 2, records: 3 }),
    ]);
  });
});

describeEachBackend('signals sent after the answer', (backend) => {
  let server: TestServer;
  const V = '/api/v1/models/chat/versions/1.0.0';
  beforeEach(async () => {
    server = await startTestServer(backend, { now: () => new Date(NOW) });
    await registerMonitoredModel(server, 'chat');
  });
  afterEach(async () => {
    await server.close();
  });
  const record = (id: string, extra: Record<string, unknown> = {}) => ({
    id,
    timestamp: '2026-03-02T09:15:00Z',
    features: { amount: 10, age: 30, country: 'fr' },
    prediction: 'ok',
    ...extra,
  });

  it('joins by id before or after the record; a record keeps its first signals', async () => {
    // s1's signals arrive first and wait; s2 carries its own inline, so the early ones lose.
    const early = await post(server, `${V}/signals`, [
      { id: 's1', signals: { refusal: true } },
      { id: 's2', signals: { refusal: true } },
    ]);
    expect(early).toMatchObject({ accepted: 2, joined: 0, pending: 2 });
    const records = await post(server, `${V}/inferences`, [
      record('s1'),
      record('s2', { signals: { refusal: false } }),
      record('s3'),
    ]);
    expect(records).toMatchObject({ accepted: 3, joined: 1 });
    const late = await post(server, `${V}/signals`, [
      { id: 's3', signals: { refusal: 'policy' } },
      { id: 's1', signals: { refusal: false } },
    ]);
    expect(late).toMatchObject({ joined: 1, pending: 0, duplicates: 1 });

    const rows = await server.ctx.db
      .selectFrom('inference_records')
      .select(['record_id', 'signals'])
      .orderBy('record_id')
      .execute();
    expect(rows.map((r) => [r.record_id, JSON.parse(r.signals!)])).toEqual([
      ['s1', { refusal: true }],
      ['s2', { refusal: false }],
      ['s3', { refusal: 'policy' }],
    ]);
    const window = await server.ctx.db
      .selectFrom('monitoring_windows')
      .select('profile')
      .where('segment', '=', '')
      .executeTakeFirstOrThrow();
    // Fired: s1 (true) and s3 ("policy"); s2 carried false.
    expect(JSON.parse(window.profile).signals.refusal).toEqual({ n: 3, events: 2, values: { policy: 1 } });
    expect(await server.ctx.db.selectFrom('monitoring_pending').selectAll().execute()).toHaveLength(0);
  });

  it('refuses a signals batch whole by default, naming the field', async () => {
    const res = await server.api('POST', `${V}/signals`, {
      body: [
        { id: 's1', signals: { refusal: true } },
        { id: 's2', signals: {} },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('records[1].signals');
    expect(await server.ctx.db.selectFrom('monitoring_pending').selectAll().execute()).toHaveLength(0);
  });
});
