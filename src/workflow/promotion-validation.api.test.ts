import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { CARD_FEATURE, registerCardFeature, writeCardSections } from '../../test/support/governance.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';

const INPUT_SCHEMA = [
  { name: 'amount', type: 'number', min: 0, max: 1000, nullable: false },
  { name: 'channel', type: 'category', categories: ['web', 'app'] },
];

/** 400 rows, labels alternating; the model errs on `wrongEvery` rows of each 80 (4 → 95 % accuracy). */
function dataset(wrongPer80: number) {
  const records = [];
  for (let i = 0; i < 400; i++) {
    const label = i % 2;
    const wrong = i % 80 < wrongPer80;
    records.push({
      label,
      score: label === 1 ? (wrong ? 0.3 : 0.8) : wrong ? 0.7 : 0.2,
      segment: { region: Math.floor(i / 2) % 2 === 0 ? 'north' : 'south' },
      sensitive: { group: ['a', 'b', 'c'][i % 3] },
      features: { amount: ((i * 37) % 100) + 0.5, channel: i % 5 < 3 ? 'web' : 'app' },
    });
  }
  const reference = Array.from({ length: 400 }, (_, k) => {
    const i = k + 1000;
    return { amount: ((i * 37) % 100) + 0.5, channel: i % 5 < 3 ? 'web' : 'app' };
  });
  return { records, reference: { features: reference } };
}

const EVIDENCE = { latencyP95Ms: 18, latencyP99Ms: 25, peakMemoryMb: 2000 };

describeEachBackend('tier-1 promotion gated by a real validation run', (backend) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer(backend);
  });
  afterAll(() => s.close());

  it('promotes only after a passing full validation from the validation suite and every approval', async () => {
    expect(
      (await s.api('POST', '/api/v1/models', { body: { name: 'scoring', owner: 'risk', riskTier: 1 } }))
        .status,
    ).toBe(201);
    // A complete model card: the tier-1 template requires every section the gate judges.
    await registerCardFeature(s);
    expect(
      (
        await s.api('POST', '/api/v1/models/scoring/versions', {
          body: versionBody('1.0.0', { inputSchema: INPUT_SCHEMA, features: [CARD_FEATURE] }),
        })
      ).status,
    ).toBe(201);
    await writeCardSections(s, 'scoring', '1.0.0');
    // A signed artifact: tier 1 requires a verified signature.
    const bytes = Buffer.from('artifact of scoring 1.0.0');
    const put = await fetch(`${s.url}/api/v1/models/scoring/versions/1.0.0/artifact`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${s.adminToken}`, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(put.status).toBe(201);
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    await s.api('POST', '/api/v1/signing-keys', {
      body: { name: 'release-key', publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    });
    const digest = createHash('sha256').update(bytes).digest('hex');
    const signed = await s.api('POST', '/api/v1/models/scoring/versions/1.0.0/signatures', {
      body: {
        keyName: 'release-key',
        signature: sign(null, Buffer.from(digest, 'ascii'), privateKey).toString('base64'),
      },
    });
    expect(signed.status).toBe(201);

    const tok = (p: string, roles: Parameters<TestServer['tokenFor']>[1]) => s.tokenFor(p, roles);
    const dana = await tok('dana', ['data-scientist']);
    const validator = await tok('val', ['validator']);
    const decide = (token: string, id: string, role: string) =>
      s.api('POST', `/api/v1/change-requests/${id}/decisions`, {
        token,
        body: { decision: 'approve', role },
      });

    const staging = await s.api('POST', '/api/v1/models/scoring/versions/1.0.0/transitions', {
      token: dana,
      body: { to: 'staging', reason: 'review' },
    });
    await decide(await tok('eve', ['ml-engineer']), staging.body.id, 'ml-engineer');
    expect((await decide(validator, staging.body.id, 'validator')).body.status).toBe('executed');

    // A failing run (80 % accuracy, below the 0.9 minimum) is offered first.
    const bad = await s.api('POST', '/api/v1/models/scoring/versions/1.0.0/validations', {
      token: validator,
      body: { ...dataset(16), evidence: EVIDENCE },
    });
    expect(bad.status).toBe(201);
    expect(bad.body.passed).toBe(false);
    const cr = await s.api('POST', '/api/v1/models/scoring/versions/1.0.0/transitions', {
      token: dana,
      body: { to: 'production', reason: 'first release', evidence: [bad.body.id] },
    });
    expect(cr.status).toBe(201);
    const id = cr.body.id as string;
    expect(cr.body.missingEvidence[0].message).toMatch(/failed \(.*performance\.thresholds/);

    const approvers: Array<[string, 'review-board' | 'compliance' | 'legal' | 'business-owner']> = [
      ['bea', 'review-board'],
      ['bram', 'review-board'],
      ['bo', 'review-board'],
      ['bianca', 'review-board'],
      ['cora', 'compliance'],
      ['lee', 'legal'],
      ['otto', 'business-owner'],
    ];
    let last;
    for (const [p, role] of approvers) last = await decide(await tok(p, [role]), id, role);
    expect(last?.body.status).toBe('approved');
    expect((await s.api('GET', '/api/v1/models/scoring/versions/1.0.0')).body.stage).toBe('staging');

    const good = await s.api('POST', '/api/v1/models/scoring/versions/1.0.0/validations', {
      token: validator,
      body: { ...dataset(4), evidence: EVIDENCE },
    });
    expect(good.status).toBe(201);
    expect(good.body).toMatchObject({ passed: true, level: 'full' });
    const done = await s.api('POST', `/api/v1/change-requests/${id}/evidence`, {
      token: dana,
      body: { validationRunId: good.body.id },
    });
    expect(done.body.status).toBe('executed');
    expect((await s.api('GET', '/api/v1/models/scoring')).body.championVersion).toBe('1.0.0');
  });

  it('counts a failed check as passed while a compliance-approved waiver covers it', async () => {
    await s.api('POST', '/api/v1/models', {
      body: { name: 'triage', owner: 'ops', riskTier: 3, intendedUse: 'Routes support tickets' },
    });
    await s.api('POST', '/api/v1/models/triage/versions', {
      body: versionBody('1.0.0', { inputSchema: INPUT_SCHEMA }),
    });
    const dana = await s.tokenFor('dana', ['data-scientist']);
    const validator = await s.tokenFor('val', ['validator']);
    const db = s.ctx.db;
    const model = await db
      .selectFrom('models')
      .select('id')
      .where('name', '=', 'triage')
      .executeTakeFirstOrThrow();
    await db
      .updateTable('model_versions')
      .set({ stage: 'staging' })
      .where('model_id', '=', model.id)
      .execute();
    // No artifact was uploaded: security.artifact fails, everything else passes.
    const run = await s.api('POST', '/api/v1/models/triage/versions/1.0.0/validations', {
      token: validator,
      body: { ...dataset(4), evidence: EVIDENCE },
    });
    expect(run.body.passed).toBe(false);
    const failed = (run.body.checks as Array<{ name: string; status: string }>).filter(
      (c) => c.status === 'fail',
    );
    expect(failed.map((c) => c.name)).toEqual(['security.artifact']);
    const cr = await s.api('POST', '/api/v1/models/triage/versions/1.0.0/transitions', {
      token: dana,
      body: { to: 'production', reason: 'internal tool', evidence: [run.body.id] },
    });
    expect(cr.body.missingEvidence).toHaveLength(1);
    const waiver = await s.api('POST', `/api/v1/validations/${run.body.id}/waivers`, {
      token: validator,
      body: {
        check: 'security.artifact',
        reason: 'artifact lives in the vendor registry',
        until: '2099-01-01T00:00:00Z',
      },
    });
    expect(waiver.status).toBe(201);
    const pending = await s.api('GET', `/api/v1/change-requests/${cr.body.id}`);
    expect(pending.body.missingEvidence).toHaveLength(1); // requested, not yet approved
    const approved = await s.api('POST', `/api/v1/waivers/${waiver.body.id}/approve`, {
      token: await s.tokenFor('cora', ['compliance']),
    });
    expect(approved.status).toBe(200);
    const ready = await s.api('GET', `/api/v1/change-requests/${cr.body.id}`);
    expect(ready.body.missingEvidence).toEqual([]);
    await s.api('POST', `/api/v1/change-requests/${cr.body.id}/decisions`, {
      token: await s.tokenFor('pete', ['data-scientist']),
      body: { decision: 'approve', role: 'data-scientist' },
    });
    const done = await s.api('POST', `/api/v1/change-requests/${cr.body.id}/decisions`, {
      token: await s.tokenFor('eve', ['ml-engineer']),
      body: { decision: 'approve', role: 'ml-engineer' },
    });
    expect(done.body.status).toBe('executed');
  });

  /**
   * A tier-3 model `name` with version 1.0.0 in staging, a validation run that fails only
   * security.artifact (no artifact uploaded), a request to production — holding the run as evidence
   * when `offerRun` — approved by both roles, and a pending waiver of the failed check.
   */
  async function approvedRequestLackingWaiver(name: string, offerRun: boolean) {
    await s.api('POST', '/api/v1/models', {
      body: { name, owner: 'ops', riskTier: 3, intendedUse: 'Routes support tickets' },
    });
    await s.api('POST', `/api/v1/models/${name}/versions`, {
      body: versionBody('1.0.0', { inputSchema: INPUT_SCHEMA }),
    });
    const model = await s.ctx.db
      .selectFrom('models')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirstOrThrow();
    await s.ctx.db
      .updateTable('model_versions')
      .set({ stage: 'staging' })
      .where('model_id', '=', model.id)
      .execute();
    const dana = await s.tokenFor('dana', ['data-scientist']);
    const validator = await s.tokenFor('val', ['validator']);
    const run = await s.api('POST', `/api/v1/models/${name}/versions/1.0.0/validations`, {
      token: validator,
      body: { ...dataset(4), evidence: EVIDENCE },
    });
    expect(run.body.passed).toBe(false);
    const runId = run.body.id as string;
    const cr = await s.api('POST', `/api/v1/models/${name}/versions/1.0.0/transitions`, {
      token: dana,
      body: { to: 'production', reason: 'internal tool', ...(offerRun ? { evidence: [runId] } : {}) },
    });
    const id = cr.body.id as string;
    let status = '';
    for (const [principal, role] of [
      ['pete', 'data-scientist'],
      ['eve', 'ml-engineer'],
    ] as const) {
      const decided = await s.api('POST', `/api/v1/change-requests/${id}/decisions`, {
        token: await s.tokenFor(principal, [role]),
        body: { decision: 'approve', role },
      });
      status = decided.body.status as string;
    }
    expect(status).toBe('approved'); // the evidence is missing or failed
    const waiver = await s.api('POST', `/api/v1/validations/${runId}/waivers`, {
      token: validator,
      body: { check: 'security.artifact', reason: 'artifact in the vendor registry', until: '2099-01-01' },
    });
    return { id, runId, modelId: model.id, waiverId: waiver.body.id as string, dana };
  }

  const approveWaiver = async (waiverId: string) =>
    s.api('POST', `/api/v1/waivers/${waiverId}/approve`, { token: await s.tokenFor('cora', ['compliance']) });

  it('executes an approved request holding the run as soon as compliance approves the waiver it lacked', async () => {
    const { id, runId, waiverId, dana } = await approvedRequestLackingWaiver('sorter', true);
    expect((await approveWaiver(waiverId)).status).toBe(200);

    // Nobody offered the run again: the approval of the waiver alone carried the promotion out.
    const after = await s.api('GET', `/api/v1/change-requests/${id}`);
    expect(after.body).toMatchObject({ status: 'executed', missingEvidence: [] });
    expect((await s.api('GET', '/api/v1/models/sorter/versions/1.0.0')).body.stage).toBe('production');
    expect((await s.api('GET', '/api/v1/models/sorter')).body.championVersion).toBe('1.0.0');
    const executed = await s.ctx.db
      .selectFrom('audit_log')
      .select(['actor', 'change'])
      .where('action', '=', 'change_request.executed')
      .where('subject', '=', `change_request:${id}`)
      .execute();
    expect(executed).toHaveLength(1);
    expect(executed[0]!.actor).toBe('cora');
    expect(JSON.parse(executed[0]!.change)).toMatchObject({
      id,
      to: 'production',
      trigger: { waiverId, validationRunId: runId },
    });
    // The request's own evidence list was not touched, and offering the run again is refused as closed.
    expect(after.body.evidence).toEqual([runId]);
    const again = await s.api('POST', `/api/v1/change-requests/${id}/evidence`, {
      token: dana,
      body: { validationRunId: runId },
    });
    expect(again.status).toBe(409);
  });

  it('executes the request whichever comes first when its run is offered and its waiver approved at the same moment', async () => {
    for (let round = 0; round < 4; round++) {
      const name = `racer-${round}`;
      const { id, runId, waiverId, dana } = await approvedRequestLackingWaiver(name, false);
      const [offered, approved] = await Promise.all([
        s.api('POST', `/api/v1/change-requests/${id}/evidence`, {
          token: dana,
          body: { validationRunId: runId },
        }),
        approveWaiver(waiverId),
      ]);
      expect([offered.status, approved.status]).toEqual([200, 200]);
      const after = await s.api('GET', `/api/v1/change-requests/${id}`);
      expect(after.body.status, `round ${round}`).toBe('executed');
      expect((await s.api('GET', `/api/v1/models/${name}/versions/1.0.0`)).body.stage).toBe('production');
    }
  });

  it('keeps the waiver approved and notes the request when the request can no longer be carried out', async () => {
    const { id, modelId, waiverId } = await approvedRequestLackingWaiver('moved', true);
    // Meanwhile the version left staging behind the workflow's back: staging -> production no longer applies.
    await s.ctx.db
      .updateTable('model_versions')
      .set({ stage: 'rejected' })
      .where('model_id', '=', modelId)
      .execute();
    const approved = await approveWaiver(waiverId);
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe('approved');
    expect((await s.api('GET', `/api/v1/change-requests/${id}`)).body.status).toBe('approved');
    expect((await s.api('GET', '/api/v1/models/moved/versions/1.0.0')).body.stage).toBe('rejected');
    const entries = async (action: string) =>
      s.ctx.db
        .selectFrom('audit_log')
        .select(['actor', 'change'])
        .where('action', '=', action)
        .where('subject', '=', `change_request:${id}`)
        .execute();
    const noted = await entries('change_request.not_executed');
    expect(noted).toHaveLength(1);
    expect(noted[0]!.actor).toBe('cora');
    expect(JSON.parse(noted[0]!.change)).toMatchObject({ id, trigger: { waiverId } });
    expect(await entries('change_request.executed')).toHaveLength(0);
  });
});
