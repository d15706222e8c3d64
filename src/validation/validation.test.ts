import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { CARD_FEATURE, registerCardFeature, writeCardSections } from '../../test/support/governance.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { insertWaiver } from './validation.repository.js';

/**
 * Registers a model (if needed) and a version, optionally with an artifact and an Ed25519
 * signature. The version's model card is complete (a catalog feature linked, the human sections
 * written) unless `card` is false.
 */
async function seedVersion(
  server: TestServer,
  model: string,
  tier: number,
  version: string,
  options: {
    inputSchema?: unknown[];
    metrics?: Record<string, number>;
    artifact?: boolean;
    sign?: boolean;
    card?: boolean;
  } = {},
): Promise<void> {
  const card = options.card ?? true;
  if ((await server.api('GET', `/api/v1/models/${model}`)).status === 404) {
    const created = await server.api('POST', '/api/v1/models', {
      body: { name: model, owner: 'risk', riskTier: tier },
    });
    expect(created.status).toBe(201);
  }
  const extra: Record<string, unknown> = {};
  if (options.inputSchema) extra.inputSchema = options.inputSchema;
  if (options.metrics) extra.metrics = options.metrics;
  if (card) {
    await registerCardFeature(server);
    extra.features = [CARD_FEATURE];
  }
  const res = await server.api('POST', `/api/v1/models/${model}/versions`, {
    body: versionBody(version, extra),
  });
  expect(res.status).toBe(201);
  if (card) await writeCardSections(server, model, version);
  if (options.artifact || options.sign) {
    const bytes = Buffer.from(`artifact of ${model} ${version}`);
    const put = await fetch(`${server.url}/api/v1/models/${model}/versions/${version}/artifact`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(put.status).toBe(201);
    if (options.sign) {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const keyName = `key-${model}-${version}`.replace(/\./g, '-');
      const key = await server.api('POST', '/api/v1/signing-keys', {
        body: { name: keyName, publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
      });
      expect(key.status).toBe(201);
      const digest = createHash('sha256').update(bytes).digest('hex');
      const signed = await server.api('POST', `/api/v1/models/${model}/versions/${version}/signatures`, {
        body: { keyName, signature: sign(null, Buffer.from(digest, 'ascii'), privateKey).toString('base64') },
      });
      expect(signed.status).toBe(201);
    }
  }
}

/** Makes `version` the model's production champion, as the lifecycle workflow would. */
async function setChampion(server: TestServer, model: string, version: string): Promise<void> {
  const db = server.ctx.db;
  const m = await db.selectFrom('models').select('id').where('name', '=', model).executeTakeFirstOrThrow();
  const v = await db
    .selectFrom('model_versions')
    .select('id')
    .where('model_id', '=', m.id)
    .where('version', '=', version)
    .executeTakeFirstOrThrow();
  await db.updateTable('models').set({ champion_version_id: v.id }).where('id', '=', m.id).execute();
}

interface CheckView {
  name: string;
  status: string;
  value: unknown;
  threshold: unknown;
  rule: string;
  detail?: string;
  missing?: string;
  items?: Array<Record<string, unknown>>;
}

function checkNamed(run: { checks: CheckView[] }, name: string): CheckView {
  const found = run.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check ${name} in ${run.checks.map((c) => c.name).join(', ')}`);
  return found;
}

const INPUT_SCHEMA = [
  { name: 'amount', type: 'number', min: 0, max: 1000, nullable: false },
  { name: 'channel', type: 'category', categories: ['web', 'app'] },
];

/**
 * 400 rows, labels alternating. The candidate errs on rows i % 80 ∈ {0,1,2,3} (20 rows: 10 false
 * positives, 10 false negatives, 95 % accuracy); the champion on rows i % 40 ∈ {0,1,2,3} (40 rows, 90 %).
 */
function goodDataset(n = 400) {
  const records = [];
  const championScores = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const candidateWrong = i % 80 < 4;
    const championWrong = i % 40 < 4;
    const score = (wrong: boolean) => (label === 1 ? (wrong ? 0.3 : 0.8) : wrong ? 0.7 : 0.2);
    records.push({
      label,
      score: score(candidateWrong),
      segment: { region: Math.floor(i / 2) % 2 === 0 ? 'north' : 'south' },
      sensitive: { group: ['a', 'b', 'c'][i % 3] },
      features: { amount: ((i * 37) % 100) + 0.5, channel: i % 5 < 3 ? 'web' : 'app' },
    });
    championScores.push(score(championWrong));
  }
  const reference = Array.from({ length: 400 }, (_, k) => {
    const i = k + 1000;
    return { amount: ((i * 37) % 100) + 0.5, channel: i % 5 < 3 ? 'web' : 'app' };
  });
  return { records, championScores, reference };
}

const GOOD_EVIDENCE = { latencyP95Ms: 18, latencyP99Ms: 25, peakMemoryMb: 2000 };

describeEachBackend('validation suite', (backend) => {
  let server: TestServer;
  let clock = new Date('2026-03-01T12:00:00.000Z');
  let validator: string;
  let failedRunId: string;

  beforeAll(async () => {
    server = await startTestServer(backend, { now: () => clock });
    validator = await server.tokenFor('val', ['validator']);
    await seedVersion(server, 'fraud', 1, '1.0.0', { inputSchema: INPUT_SCHEMA, sign: true });
    await seedVersion(server, 'fraud', 1, '2.0.0', { inputSchema: INPUT_SCHEMA, sign: true });
    await setChampion(server, 'fraud', '1.0.0');
  });
  afterAll(() => server.close());

  const post = (model: string, version: string, body: unknown, token?: string) =>
    server.api('POST', `/api/v1/models/${model}/versions/${version}/validations`, {
      token: token ?? validator,
      body,
    });

  it('passes a full tier-1 validation and stores the report with an audit entry', async () => {
    const d = goodDataset();
    const res = await post('fraud', '2.0.0', {
      records: d.records,
      champion: { scores: d.championScores },
      reference: { features: d.reference },
      evidence: GOOD_EVIDENCE,
    });
    expect(res.status).toBe(201);
    const failing = (res.body.checks as CheckView[]).filter((c) => c.status !== 'pass');
    expect(failing).toEqual([]);
    expect(res.body).toMatchObject({
      model: 'fraud',
      version: '2.0.0',
      passed: true,
      level: 'full',
      policyVersion: 0,
    });
    expect(res.body.summary).toMatchObject({ bump: 'major', requiredLevel: 'full' });
    expect((res.body.checks as CheckView[]).map((c) => c.name)).toEqual([
      'performance.thresholds',
      'performance.no-regression',
      'performance.significance',
      'performance.segments',
      'data.schema',
      'data.ranges',
      'data.missing-rate',
      'data.drift',
      'infrastructure.latency',
      'infrastructure.memory',
      'security.artifact',
      'security.signature',
      'security.pii',
      'fairness.disparate-impact',
      'fairness.equal-opportunity',
      'fairness.demographic-parity',
      'model-card.complete',
    ]);
    // 380 of 400 rows right; 190 of 200 predicted positives are positive.
    expect(checkNamed(res.body, 'performance.thresholds').value).toEqual({
      accuracy: 0.95,
      precision: 0.95,
      recall: 0.95,
    });
    // The champion gets 360 of 400 right: the candidate gains 5 points, a drop of −5.
    expect(checkNamed(res.body, 'performance.no-regression').value).toBe(-5);
    expect(checkNamed(res.body, 'performance.no-regression').detail).toContain(
      'predictions submitted on the same rows',
    );
    expect(checkNamed(res.body, 'performance.significance').detail).toContain('DeLong');
    expect(checkNamed(res.body, 'infrastructure.latency').detail).toContain('not measured');
    expect(checkNamed(res.body, 'infrastructure.memory').value).toBeCloseTo((2000 / 4096) * 100, 2);
    expect(checkNamed(res.body, 'data.drift').value).toBe(0);
    expect(checkNamed(res.body, 'fairness.disparate-impact').rule).toBe(
      'tiers.1.validation.fairness.disparateImpactMin',
    );

    const stored = await server.api('GET', `/api/v1/validations/${res.body.id as string}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toEqual(res.body);
    const list = await server.api('GET', '/api/v1/models/fraud/versions/2.0.0/validations');
    expect(list.body.items.map((r: { id: string }) => r.id)).toContain(res.body.id);
    const audit = await server.ctx.db
      .selectFrom('audit_log')
      .select(['actor', 'subject', 'change'])
      .where('action', '=', 'validation.run_recorded')
      .execute();
    expect(audit.some((a) => a.change.includes(res.body.id as string) && a.actor === 'val')).toBe(true);
  });

  it('fails a full validation on model-card.complete while the tier’s template has sections nobody wrote', async () => {
    // Tier 2 requires model details, intended use, training data, metrics, validation, approvals,
    // monitoring and limitations; the gate judges those that exist before promotion.
    await seedVersion(server, 'cardless', 2, '1.0.0', {
      inputSchema: INPUT_SCHEMA,
      artifact: true,
      card: false,
    });
    const d = goodDataset();
    const body = { records: d.records, reference: { features: d.reference }, evidence: GOOD_EVIDENCE };
    const before = await post('cardless', '1.0.0', body);
    expect(before.status).toBe(201);
    expect(before.body.passed).toBe(false);
    const gate = checkNamed(before.body, 'model-card.complete');
    expect(gate).toMatchObject({ status: 'fail', rule: 'tiers.2.documentation.modelCard.requiredSections' });
    expect(gate.value).toEqual({ gaps: ['intendedUse', 'limitations'] });
    expect(gate.detail).toContain('intendedUse, limitations');
    await writeCardSections(server, 'cardless', '1.0.0');
    const after = await post('cardless', '1.0.0', body);
    expect(checkNamed(after.body, 'model-card.complete')).toMatchObject({
      status: 'pass',
      value: { gaps: [] },
    });
  });

  it('does not pass a full validation whose schema and training reference were never supplied; waivers can cover them', async () => {
    // Tier 3, the first version (no champion): metrics, features, latency and memory are all fine.
    await seedVersion(server, 'intake', 3, '1.0.0', { artifact: true });
    const d = goodDataset(100);
    const res = await post('intake', '1.0.0', { records: d.records, evidence: GOOD_EVIDENCE });
    expect(res.status).toBe(201);
    expect(res.body.level).toBe('full');
    expect(res.body.passed).toBe(false);
    const byStatus = (status: string) =>
      (res.body.checks as CheckView[]).filter((c) => c.status === status).map((c) => c.name);
    expect(byStatus('fail')).toEqual(['data.schema', 'data.ranges', 'data.drift']);
    // Without a champion there is nothing to compare with: skipped, and not held against the run.
    expect(byStatus('skipped')).toEqual([
      'performance.no-regression',
      'performance.significance',
      'performance.segments',
    ]);
    expect(checkNamed(res.body, 'data.schema')).toMatchObject({
      value: null,
      missing: 'input schema',
      rule: 'tiers.3.validation.checks.full',
    });
    expect(checkNamed(res.body, 'data.schema').detail).toContain('declare "inputSchema"');
    expect(checkNamed(res.body, 'data.ranges').missing).toBe('input schema');
    expect(checkNamed(res.body, 'data.drift').missing).toBe('training reference');
    expect(res.body.summary.missingInputs).toEqual([
      { check: 'data.schema', input: 'input schema' },
      { check: 'data.ranges', input: 'input schema' },
      { check: 'data.drift', input: 'training reference' },
    ]);

    // Compliance may accept the gap: once all three are waived the run reads as passed evidence.
    const compliance = await server.tokenFor('cleo', ['compliance']);
    const until = new Date(clock.getTime() + 30 * 86_400_000).toISOString();
    for (const check of ['data.schema', 'data.ranges', 'data.drift']) {
      const asked = await server.api('POST', `/api/v1/validations/${res.body.id as string}/waivers`, {
        token: validator,
        body: { check, reason: 'legacy model, schema documented outside Warden', until },
      });
      expect(asked.status).toBe(201);
      const ok = await server.api('POST', `/api/v1/waivers/${asked.body.id as string}/approve`, {
        token: compliance,
      });
      expect(ok.status).toBe(200);
    }
    const evidence = await server.api('GET', `/api/v1/validations/${res.body.id as string}/evidence`);
    expect(evidence.body.passed).toBe(true);
    expect(
      (evidence.body.checks as CheckView[]).filter((c) => c.status === 'waived').map((c) => c.name),
    ).toEqual(['data.schema', 'data.ranges', 'data.drift']);
  });

  it('blocks a regression of more than 1 point against the champion', async () => {
    const d = goodDataset();
    // Swap roles: the candidate now scores as the champion did, and vice versa.
    const records = d.records.map((r, i) => ({ ...r, score: d.championScores[i] }));
    const res = await post('fraud', '2.0.0', {
      records,
      champion: { scores: d.records.map((r) => r.score) },
      evidence: GOOD_EVIDENCE,
    });
    expect(res.status).toBe(201);
    expect(res.body.passed).toBe(false);
    const check = checkNamed(res.body, 'performance.no-regression');
    expect(check.status).toBe('fail');
    // (380 − 360) / 400 = 5 points of accuracy, precision and recall alike.
    expect(check.value).toBe(5);
    expect(check.threshold).toBe(1);
    expect(check.rule).toBe('tiers.1.validation.noRegressionPct');
    expect(checkNamed(res.body, 'performance.significance').status).toBe('fail');
  });

  it('falls back to the champion’s recorded metrics when no champion sample is sent', async () => {
    await seedVersion(server, 'churn', 2, '1.0.0', {
      metrics: { accuracy: 0.99, precision: 0.99, recall: 0.99 },
    });
    await seedVersion(server, 'churn', 2, '1.1.0');
    await setChampion(server, 'churn', '1.0.0');
    const d = goodDataset();
    const res = await post('churn', '1.1.0', { records: d.records });
    expect(res.body.level).toBe('regression');
    const check = checkNamed(res.body, 'performance.no-regression');
    expect(check.status).toBe('fail');
    expect(check.value).toBe(4); // 99 % recorded vs 95 % measured
    expect(check.detail).toContain('recorded metrics');
    // A champion exists, so the significance test applies; without its predictions it cannot run.
    const significance = checkNamed(res.body, 'performance.significance');
    expect(significance.status).toBe('fail');
    expect(significance.missing).toBe('champion predictions');
    expect(significance.detail).toContain('needs paired rows');
    expect(res.body.passed).toBe(false);
  });

  it('computes McNemar’s exact test as by hand on a small paired table', async () => {
    await seedVersion(server, 'search', 3, '1.0.0');
    await seedVersion(server, 'search', 3, '1.1.0');
    await setChampion(server, 'search', '1.0.0');
    // 20 rows: 10 both right, 8 only the candidate right (b), 1 only the champion right (c), 1 both wrong.
    const records = [];
    const champion = [];
    for (let i = 0; i < 20; i++) {
      const label = i % 2;
      const candidateRight = i < 18 || i === 19 ? i !== 19 : false;
      const championRight = i < 10 || i === 18;
      records.push({ label, prediction: candidateRight ? label : 1 - label });
      champion.push(championRight ? label : 1 - label);
    }
    const res = await post('search', '1.1.0', { records, champion: { predictions: champion } });
    const check = checkNamed(res.body, 'performance.significance');
    // Exact binomial: p = 2 · P(X ≤ 1), X ~ Bin(9, ½) = 2 · (1 + 9) / 512.
    expect(check.value).toBeCloseTo(20 / 512, 10);
    expect(check.status).toBe('pass');
    expect(check.items?.[0]).toMatchObject({
      test: 'mcnemar',
      candidateOnlyCorrect: 8,
      championOnlyCorrect: 1,
    });
  });

  it('catches a regression confined to one segment', async () => {
    await seedVersion(server, 'search', 3, '1.2.0');
    // 80 rows: segment A rows 0–39, B rows 40–79. The champion errs on 4 rows of A, the candidate on 4 of B:
    // overall the two are equal, but B loses 10 points.
    const records = [];
    const champion = [];
    for (let i = 0; i < 80; i++) {
      const label = i % 2;
      const inA = i < 40;
      const championWrong = inA && i < 4;
      const candidateWrong = !inA && i < 44;
      records.push({
        label,
        prediction: candidateWrong ? 1 - label : label,
        segment: { part: inA ? 'A' : 'B' },
      });
      champion.push(championWrong ? 1 - label : label);
    }
    const res = await post('search', '1.2.0', {
      records,
      champion: { predictions: champion },
      level: 'full',
    });
    expect(checkNamed(res.body, 'performance.no-regression').value).toBe(0);
    expect(checkNamed(res.body, 'performance.no-regression').status).toBe('pass');
    const check = checkNamed(res.body, 'performance.segments');
    expect(check.status).toBe('fail');
    expect(check.value).toBe(10);
    expect(check.detail).toContain('part=B');
    expect(check.detail).not.toContain('part=A');
  });

  it('reports schema violations: missing column, wrong type, out of range, missing rate', async () => {
    await seedVersion(server, 'docs', 3, '1.0.0', {
      inputSchema: [
        { name: 'amount', type: 'number', min: 0, max: 100, nullable: false },
        { name: 'channel', type: 'category', categories: ['web', 'app'] },
        { name: 'age', type: 'integer' },
        { name: 'note', type: 'string', nullable: true },
      ],
    });
    const records = Array.from({ length: 40 }, (_, i) => ({
      label: i % 2,
      prediction: i % 2,
      features: {
        amount: i === 3 ? '12' : i === 5 ? 500 : i,
        channel: i === 7 ? 'fax' : 'web',
        note: i % 10 === 0 ? null : 'ok',
      },
    }));
    const res = await post('docs', '1.0.0', { records, level: 'full' });
    expect(res.status).toBe(201);
    const schema = checkNamed(res.body, 'data.schema');
    expect(schema.status).toBe('fail');
    expect(schema.items).toEqual(
      expect.arrayContaining([
        { column: 'age', problem: 'missing column' },
        { column: 'amount', record: 3, problem: 'expected number, got string "12"' },
      ]),
    );
    const ranges = checkNamed(res.body, 'data.ranges');
    expect(ranges.status).toBe('fail');
    expect(ranges.value).toBe(2);
    expect(ranges.items).toEqual([
      { column: 'amount', record: 5, problem: '500 > max 100' },
      { column: 'channel', record: 7, problem: '"fax" is not a known category' },
    ]);
    const missing = checkNamed(res.body, 'data.missing-rate');
    expect(missing.status).toBe('fail');
    expect(missing.items).toEqual(
      expect.arrayContaining([
        { column: 'note', missing: 4, rate: 0.1 },
        { column: 'amount', missing: 0, rate: 0 },
      ]),
    );
  });

  it('fails tier-1 fairness with a disparate impact of 0.6', async () => {
    await seedVersion(server, 'credit', 1, '1.0.0', { inputSchema: INPUT_SCHEMA, sign: true });
    // Group a: 25 of 50 selected (0.5); group b: 15 of 50 (0.3). Predictions equal labels.
    const records = Array.from({ length: 100 }, (_, i) => {
      const inA = i < 50;
      const positive = inA ? i < 25 : i < 65;
      return {
        label: positive ? 1 : 0,
        prediction: positive ? 1 : 0,
        sensitive: { group: inA ? 'a' : 'b' },
        features: { amount: i, channel: 'web' },
      };
    });
    const res = await post('credit', '1.0.0', { records, evidence: GOOD_EVIDENCE });
    expect(res.body.level).toBe('full');
    expect(res.body.passed).toBe(false);
    const di = checkNamed(res.body, 'fairness.disparate-impact');
    expect(di.status).toBe('fail');
    expect(di.value).toBeCloseTo(0.6, 10);
    const dpd = checkNamed(res.body, 'fairness.demographic-parity');
    expect(dpd.value).toBeCloseTo(0.2, 10);
    expect(dpd.status).toBe('fail');
    expect(checkNamed(res.body, 'fairness.equal-opportunity').status).toBe('pass');
    failedRunId = res.body.id as string;
  });

  it('fails drift against a shifted training reference', async () => {
    await seedVersion(server, 'docs', 3, '1.1.0');
    const records = Array.from({ length: 200 }, (_, i) => ({
      label: i % 2,
      prediction: i % 2,
      features: { amount: 50 + (i % 100), channel: i % 2 ? 'web' : 'app' },
    }));
    const reference = Array.from({ length: 200 }, (_, i) => ({
      amount: i % 100,
      channel: i % 2 ? 'web' : 'app',
    }));
    const res = await post('docs', '1.1.0', { records, reference: { features: reference }, level: 'full' });
    const check = checkNamed(res.body, 'data.drift');
    expect(check.status).toBe('fail');
    expect(check.value as number).toBeGreaterThan(1);
    expect(check.detail).toContain('amount');
    expect(check.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ column: 'channel', psi: 0 })]),
    );
    const unreferenced = await post('docs', '1.1.0', { records, level: 'full' });
    const missing = checkNamed(unreferenced.body, 'data.drift');
    expect(missing).toMatchObject({ status: 'fail', value: null, missing: 'training reference' });
    expect(missing.detail).toContain('--reference FILE');
    expect(unreferenced.body.passed).toBe(false);
  });

  it('waivers: the requester cannot approve, only compliance can, and an expired waiver no longer counts', async () => {
    const compliance = await server.tokenFor('cora', ['compliance']);
    const dual = await server.tokenFor('dual', ['validator', 'compliance']);
    const admin = server.adminToken;
    const until = new Date(clock.getTime() + 10 * 86_400_000).toISOString();
    const asked = await server.api('POST', `/api/v1/validations/${failedRunId}/waivers`, {
      token: validator,
      body: { check: 'fairness.disparate-impact', reason: 'groups re-weighted next release', until },
    });
    expect(asked.status).toBe(201);
    expect(asked.body.status).toBe('pending');

    const byValidator = await server.api('POST', `/api/v1/waivers/${asked.body.id as string}/approve`, {
      token: validator,
    });
    expect(byValidator.status).toBe(403);
    const byAdmin = await server.api('POST', `/api/v1/waivers/${asked.body.id as string}/approve`, {
      token: admin,
    });
    expect(byAdmin.status).toBe(403);

    const own = await server.api('POST', `/api/v1/validations/${failedRunId}/waivers`, {
      token: dual,
      body: { check: 'fairness.demographic-parity', reason: 'mine', until },
    });
    expect(own.status).toBe(201);
    const selfApproval = await server.api('POST', `/api/v1/waivers/${own.body.id as string}/approve`, {
      token: dual,
    });
    expect(selfApproval.status).toBe(403);
    expect(selfApproval.body.error.message).toContain('cannot approve');

    const before = await server.api('GET', `/api/v1/validations/${failedRunId}/evidence`);
    expect(checkNamed(before.body, 'fairness.disparate-impact').status).toBe('fail');

    const approved = await server.api('POST', `/api/v1/waivers/${asked.body.id as string}/approve`, {
      token: compliance,
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ status: 'approved', approvedBy: 'cora' });
    const twice = await server.api('POST', `/api/v1/waivers/${asked.body.id as string}/approve`, {
      token: compliance,
    });
    expect(twice.status).toBe(409);

    const evidence = await server.api('GET', `/api/v1/validations/${failedRunId}/evidence`);
    expect(checkNamed(evidence.body, 'fairness.disparate-impact').status).toBe('waived');
    expect(checkNamed(evidence.body, 'fairness.demographic-parity').status).toBe('fail');
    const stored = await server.api('GET', `/api/v1/validations/${failedRunId}`);
    expect(checkNamed(stored.body, 'fairness.disparate-impact').status).toBe('fail');

    const passing = await server.api('POST', `/api/v1/validations/${failedRunId}/waivers`, {
      token: validator,
      body: { check: 'fairness.equal-opportunity', reason: 'x', until },
    });
    expect(passing.status).toBe(409);
    const unknown = await server.api('POST', `/api/v1/validations/${failedRunId}/waivers`, {
      token: validator,
      body: { check: 'nonsense', reason: 'x', until },
    });
    expect(unknown.status).toBe(400);
    const past = await server.api('POST', `/api/v1/validations/${failedRunId}/waivers`, {
      token: validator,
      body: { check: 'fairness.demographic-parity', reason: 'x', until: '2020-01-01' },
    });
    expect(past.status).toBe(400);

    clock = new Date(clock.getTime() + 11 * 86_400_000);
    const expired = await server.api('GET', `/api/v1/validations/${failedRunId}/evidence`);
    expect(checkNamed(expired.body, 'fairness.disparate-impact').status).toBe('fail');
    expect(expired.body.passed).toBe(false);
    const late = await server.api('POST', `/api/v1/waivers/${own.body.id as string}/approve`, {
      token: compliance,
    });
    expect(late.status).toBe(409);

    const actions = await server.ctx.db
      .selectFrom('audit_log')
      .select('action')
      .where('action', 'like', 'validation.waiver%')
      .where('subject', '=', `validation:${failedRunId}`)
      .execute();
    expect(actions.map((a) => a.action).sort()).toEqual([
      'validation.waiver_approved',
      'validation.waiver_requested',
      'validation.waiver_requested',
    ]);
  });

  it('waivers: one standing waiver per check of a run, pending or approved, even when asked at once', async () => {
    // The previous test left this check's approved waiver expired, so a new one may be asked for.
    const compliance = await server.tokenFor('cora', ['compliance']);
    const until = new Date(clock.getTime() + 5 * 86_400_000).toISOString();
    const ask = (check: string) =>
      server.api('POST', `/api/v1/validations/${failedRunId}/waivers`, {
        token: validator,
        body: { check, reason: 'renewed while groups are re-weighted', until },
      });
    const first = await ask('fairness.disparate-impact');
    expect(first.status).toBe(201);
    const whilePending = await ask('fairness.disparate-impact');
    expect(whilePending.status).toBe(409);
    expect(whilePending.body.error.field).toBe('check');
    expect(whilePending.body.error.message).toContain(`pending waiver ${first.body.id as string}`);
    expect(
      (await server.api('POST', `/api/v1/waivers/${first.body.id as string}/approve`, { token: compliance }))
        .status,
    ).toBe(200);
    const whileApproved = await ask('fairness.disparate-impact');
    expect(whileApproved.status).toBe(409);
    expect(whileApproved.body.error.message).toContain(`approved waiver ${first.body.id as string}`);

    // A second pending waiver stored before this rule existed cannot be approved beside the first.
    await insertWaiver(server.ctx.db, {
      id: 'wvr_legacy_second',
      run_id: failedRunId,
      check_name: 'fairness.disparate-impact',
      reason: 'asked twice',
      until,
      status: 'pending',
      requested_by: 'val',
      requested_at: clock.toISOString(),
      approved_by: null,
      approved_at: null,
    });
    const second = await server.api('POST', '/api/v1/waivers/wvr_legacy_second/approve', {
      token: compliance,
    });
    expect(second.status).toBe(409);
    expect(second.body.error.message).toContain(`already waived by ${first.body.id as string}`);

    // Asked at the same moment: exactly one is stored.
    const raced = await Promise.all(Array.from({ length: 5 }, () => ask('fairness.demographic-parity')));
    expect(raced.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409]);
    const waivers = await server.api('GET', `/api/v1/validations/${failedRunId}/waivers`);
    const standing = (waivers.body.items as Array<{ check: string; status: string; until: string }>).filter(
      (w) => w.until > clock.toISOString() && w.status !== 'rejected',
    );
    expect(standing.map((w) => [w.check, w.status]).sort()).toEqual([
      ['fairness.demographic-parity', 'pending'],
      ['fairness.disparate-impact', 'approved'],
      ['fairness.disparate-impact', 'pending'], // the stored legacy row, still refused approval
    ]);
  });

  it.each([
    [{ records: [] }, 'records'],
    [
      {
        records: [
          { label: 1, score: 0.9 },
          { label: 2, score: 0.1 },
        ],
      },
      'records.1.label',
    ],
    [
      {
        records: [
          { label: 1, score: 0.9 },
          { label: 0, score: 0.1 },
          { label: 0, score: 1.5 },
        ],
      },
      'records.2.score',
    ],
    [{ records: [{ label: 1, score: 'NaN' }] }, 'records.0.score'],
    [{ records: [{ label: 1, score: 0.9 }, { label: 0 }] }, 'records.1.score'],
    [
      {
        records: [
          { label: 1, score: 0.9 },
          { label: 0, prediction: 0 },
        ],
      },
      'records.1.score',
    ],
    [{ records: [{ label: 1, score: 0.9 }], champion: { scores: [0.1, 0.2] } }, 'champion.scores'],
    [{ records: [{ label: 1, score: 0.9, extra: 1 }] }, 'records.0.extra'],
  ])('refuses bad input %j naming %s, storing nothing', async (body, field) => {
    const before = await server.ctx.db.selectFrom('validation_runs').select('id').execute();
    const res = await post('fraud', '2.0.0', body);
    expect(res.status).toBe(400);
    expect(
      `${res.body.error.message as string} ${(res.body.error.field as string | undefined) ?? ''}`,
    ).toContain(field);
    const after = await server.ctx.db.selectFrom('validation_runs').select('id').execute();
    expect(after.length).toBe(before.length);
  });

  it('runs from an uploaded CSV file, naming the record of a bad row', async () => {
    const upload = (query: string, csv: string, type = 'application/octet-stream') =>
      fetch(`${server.url}/api/v1/models/docs/versions/1.1.0/validations/file?${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${validator}`, 'content-type': type },
        body: csv,
      });
    const rows = ['y,p,region,amount'];
    for (let i = 0; i < 60; i++) rows.push(`${i % 2},${i % 2 ? 0.9 : 0.1},${i < 30 ? 'n' : 's'},${i}`);
    const ok = await upload('format=csv&label=y&score=p&segment=region&level=smoke', rows.join('\n'));
    expect(ok.status).toBe(201);
    const run = (await ok.json()) as {
      summary: { records: number; metrics: { accuracy: number } };
      level: string;
    };
    expect(run.summary.records).toBe(60);
    expect(run.summary.metrics.accuracy).toBe(1);
    expect(run.level).toBe('smoke');

    const before = await server.ctx.db.selectFrom('validation_runs').select('id').execute();
    const bad = [...rows];
    bad[3] = '0,1.5,n,2'; // data row 3 is record 2
    const refused = await upload('format=csv&label=y&score=p', bad.join('\n'));
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(
      'records.2.score',
    );
    const missing = await upload('format=csv&label=nope&score=p', rows.join('\n'));
    expect(missing.status).toBe(400);
    const asJson = await upload('format=csv&label=y&score=p', rows.join('\n'), 'application/json');
    expect(asJson.status).toBe(415);
    const after = await server.ctx.db.selectFrom('validation_runs').select('id').execute();
    expect(after.length).toBe(before.length);
  });

  it('refuses read-only callers and has no route that changes a stored report', async () => {
    const viewer = await server.tokenFor('vic', ['viewer']);
    const res = await post('fraud', '2.0.0', { records: [{ label: 1, score: 0.9 }] }, viewer);
    expect(res.status).toBe(403);
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      const r = await server.api(method, `/api/v1/validations/${failedRunId}`, { body: {} });
      expect([404, 405]).toContain(r.status);
    }
  });
});
