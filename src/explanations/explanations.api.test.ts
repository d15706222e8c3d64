import { createHash } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { canonicalJson } from '../core/canonical-json.js';
import { post, registerMonitoredModel } from '../monitoring/monitoring.test-helper.js';
import { runCommandsInProcess } from '../../test/support/cli.js';
import { alertOverdueDisputes } from './dispute.service.js';
import { registerExplanationCommands } from './explanation.command.js';

const V = '/api/v1/models/credit/versions/1.0.0';
let now = new Date('2026-03-02T10:30:00.000Z');

/** A record whose attributions explain its score exactly (base 0.3). */
function record(
  id: string,
  amount: number,
  attributions: Record<string, unknown>,
  extra: Record<string, unknown> = {},
) {
  return {
    id,
    timestamp: '2026-03-02T09:15:00Z',
    features: { amount, age: 40, country: 'de' },
    prediction: 'deny',
    score: 0.8,
    attributions,
    attributionMethod: 'shap',
    baseValue: 0.3,
    ...extra,
  };
}

describeEachBackend('explanations and decision rights', (backend) => {
  let server: TestServer;
  beforeEach(async () => {
    now = new Date('2026-03-02T10:30:00.000Z');
    server = await startTestServer(backend, { now: () => now });
    await registerMonitoredModel(server, 'credit');
  });
  afterEach(async () => {
    await server.close();
  });

  const auditActions = async (action: string) =>
    await server.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor'])
      .where('action', '=', action)
      .execute();

  it('stores attributions with the record, refuses an unknown feature by name and treats non-finite ones as missing', async () => {
    const refused = await server.api('POST', `${V}/inferences`, {
      body: [record('r1', 100, { amount: 0.2, income: 0.1 })],
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.field).toBe('records[0].attributions.income');
    expect(refused.body.error.message).toContain('"income"');
    expect(await server.ctx.db.selectFrom('inference_records').selectAll().execute()).toHaveLength(0);

    await post(server, `${V}/inferences`, [record('r1', 100, { amount: 0.4, age: null, country: 'NaN' })]);
    const res = await server.api('GET', '/api/v1/predictions/r1');
    expect(res.status).toBe(200);
    expect(res.body.attributions).toEqual({ amount: 0.4 });
    expect(res.body.attributionMethod).toBe('shap');
    expect(res.body.baseValue).toBe(0.3);
    const features = { amount: 100, age: 40, country: 'de' };
    expect(res.body.inputHash).toBe(createHash('sha256').update(canonicalJson(features)).digest('hex'));
    expect(res.body).toMatchObject({
      model: 'credit',
      version: '1.0.0',
      output: 'deny',
      score: 0.8,
      label: null,
    });
  });

  it('looks a decision up by id or input hash, says which versions share an id, and audits every read by allowed roles only', async () => {
    await post(server, `${V}/inferences`, [record('r1', 100, { amount: 0.5 })]);
    const other = await server.api('POST', `/api/v1/models/credit/versions`, {
      body: {
        version: '1.1.0',
        framework: 'sklearn',
        lineage: { datasets: [{ name: 'train', uri: 's3://d/t.parquet', sha256: 'b'.repeat(64) }] },
        metrics: { accuracy: 0.9 },
        inputSchema: [{ name: 'amount', type: 'number' }],
      },
    });
    expect(other.status).toBe(201);
    await post(server, '/api/v1/models/credit/versions/1.1.0/inferences', [
      { id: 'r1', features: { amount: 3 }, prediction: 'approve', score: 0.1 },
    ]);
    const ambiguous = await server.api('GET', '/api/v1/predictions/r1');
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.error.details.versions).toEqual(['credit@1.0.0', 'credit@1.1.0']);
    const narrowed = await server.api('GET', '/api/v1/predictions/r1?model=credit&version=1.1.0');
    expect(narrowed.body.output).toBe('approve');

    const hash = createHash('sha256')
      .update(canonicalJson({ amount: 100, age: 40, country: 'de' }))
      .digest('hex');
    const byHash = await server.api('GET', `/api/v1/predictions?model=credit&inputHash=${hash}`);
    expect(byHash.status).toBe(200);
    expect(byHash.body.recordId).toBe('r1');
    expect(byHash.body.version).toBe('1.0.0');

    const viewer = await server.tokenFor('vera', ['viewer']);
    expect((await server.api('GET', '/api/v1/predictions/r1?version=1.0.0', { token: viewer })).status).toBe(
      403,
    );
    const scientist = await server.tokenFor('dana', ['data-scientist']);
    expect(
      (await server.api('GET', '/api/v1/predictions/r1?version=1.0.0', { token: scientist })).status,
    ).toBe(403);
    // The model's owner (alice) and the auditor may read it.
    const owner = await server.tokenFor('alice', ['data-scientist']);
    expect((await server.api('GET', '/api/v1/predictions/r1?version=1.0.0', { token: owner })).status).toBe(
      200,
    );
    const auditor = await server.tokenFor('audrey', ['auditor']);
    expect((await server.api('GET', '/api/v1/predictions/r1?version=1.0.0', { token: auditor })).status).toBe(
      200,
    );
    const reads = await auditActions('prediction.read');
    expect(reads.map((r) => r.actor).sort()).toEqual(['admin', 'admin', 'alice', 'audrey']);
  });

  it('ranks the attributions pushing toward the adverse outcome, with reason codes kept with their history', async () => {
    await post(server, `${V}/inferences`, [
      record('r1', 100, { amount: 0.3, age: -0.1, country: 0.3 }),
      record('r2', 100, {}, { attributions: undefined, attributionMethod: undefined, baseValue: undefined }),
      { ...record('r3', 50, { amount: -0.2, age: 0.1 }), prediction: 'approve', score: 0.2 },
    ]);
    const missingOutcome = await server.api('GET', '/api/v1/predictions/r1/reasons');
    expect(missingOutcome.status).toBe(409);
    expect(missingOutcome.body.error.field).toBe('adverseOutcome');
    expect((await server.api('PUT', `${V}/adverse-outcome`, { body: { label: 'deny' } })).status).toBe(200);
    const first = await server.api('PUT', `${V}/reason-codes`, {
      body: { amount: 'Amount requested too high' },
    });
    expect(first.body.revision).toBe(1);
    const bad = await server.api('PUT', `${V}/reason-codes`, { body: { income: 'Income too low' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('income');
    const second = await server.api('PUT', `${V}/reason-codes`, {
      body: { amount: 'Amount requested is too high for income', country: 'Country of residence' },
    });
    expect(second.body.revision).toBe(2);
    const history = await server.api('GET', `${V}/reason-codes`);
    expect(history.body.items.map((r: { revision: number }) => r.revision)).toEqual([2, 1]);

    const reasons = await server.api('GET', '/api/v1/predictions/r1/reasons?n=4');
    expect(reasons.status).toBe(200);
    expect(reasons.body.adverse).toBe(true);
    expect(reasons.body.reasonCodeRevision).toBe(2);
    // Positive attributions push toward "deny": amount and country tie at 0.3 (by name), age pushes away.
    expect(reasons.body.reasons).toEqual([
      {
        rank: 1,
        feature: 'amount',
        attribution: 0.3,
        reason: 'Amount requested is too high for income',
        coded: true,
      },
      { rank: 2, feature: 'country', attribution: 0.3, reason: 'Country of residence', coded: true },
    ]);
    const none = await server.api('GET', '/api/v1/predictions/r2/reasons');
    expect(none.status).toBe(409);
    expect(none.body.error.field).toBe('attributions');
    expect(none.body.error.message).toContain('carries no attributions');
    const approved = await server.api('GET', '/api/v1/predictions/r3/reasons');
    expect(approved.body).toMatchObject({ adverse: false, reasons: [] });

    const notice = await server.api('GET', '/api/v1/predictions/r1/adverse-action-notice?format=md');
    expect(notice.headers.get('content-type')).toContain('text/markdown');
    expect(notice.body).toContain('1. Amount requested is too high for income');
    expect(notice.body).toContain('2. Country of residence');
    expect(notice.body).toContain('within 30 days');
    const explanation = await server.api('GET', '/api/v1/predictions/r1/explanation?format=html');
    expect(explanation.headers.get('content-type')).toContain('text/html');
    expect(explanation.body).toContain('How to contest');
    expect(explanation.body).toContain('lowers the score');

    // The same through `warden reasons`, as a compliance officer would ask.
    const env = { WARDEN_URL: server.url, WARDEN_TOKEN: await server.tokenFor('carla', ['compliance']) };
    const cli = (args: string[]) => runCommandsInProcess(registerExplanationCommands, args, env);
    const table = await cli(['reasons', 'r1']);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('credit 1.0.0, record r1: adverse decision');
    expect(table.stdout.indexOf('Amount requested is too high for income')).toBeGreaterThan(-1);
    expect(table.stdout.indexOf('Amount requested is too high for income')).toBeLessThan(
      table.stdout.indexOf('Country of residence'),
    );
    const json = await cli(['reasons', 'r1', '-n', '1', '--json']);
    expect(JSON.parse(json.stdout).reasons.map((r: { feature: string }) => r.feature)).toEqual(['amount']);
    const cliNotice = await cli(['reasons', 'r1', '--notice', 'md']);
    expect(cliNotice.stdout).toContain('1. Amount requested is too high for income');
    const refused = await cli(['reasons', 'r2']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('carries no attributions');
  });

  it('opens a dispute assigned to the owner, due in 30 days, audits its changes and alerts once when overdue', async () => {
    await post(server, `${V}/inferences`, [record('r1', 100, { amount: 0.5 })]);
    const compliance = await server.tokenFor('carla', ['compliance']);
    const opened = await server.api('POST', '/api/v1/predictions/r1/disputes', {
      token: compliance,
      body: { statement: 'The amount on file is wrong; write to jane.doe@example.com' },
    });
    expect(opened.status).toBe(201);
    expect(opened.body).toMatchObject({
      status: 'open',
      assignee: 'alice',
      dueAt: '2026-04-01T10:30:00.000Z',
    });
    expect(opened.body.piiFindings.map((f: { kind: string }) => f.kind)).toContain('email');
    const viewer = await server.tokenFor('vera', ['viewer']);
    expect(
      (
        await server.api('POST', '/api/v1/predictions/r1/disputes', {
          token: viewer,
          body: { statement: 'x' },
        })
      ).status,
    ).toBe(403);
    const lineage = await server.api('GET', '/api/v1/predictions/r1');
    expect(lineage.body.disputes).toBe(1);

    const id = opened.body.id as string;
    const needsResolution = await server.api('PATCH', `/api/v1/disputes/${id}`, {
      body: { status: 'resolved' },
    });
    expect(needsResolution.status).toBe(400);
    expect(needsResolution.body.error.field).toBe('resolution');
    const investigating = await server.api('PATCH', `/api/v1/disputes/${id}`, {
      token: await server.tokenFor('alice', ['data-scientist']),
      body: { status: 'investigating' },
    });
    expect(investigating.status).toBe(200);

    now = new Date('2026-04-02T00:00:00.000Z');
    expect(await alertOverdueDisputes(server.ctx)).toBe(1);
    expect(await alertOverdueDisputes(server.ctx)).toBe(0);
    const alerts = await server.ctx.db.selectFrom('alerts').select(['rule', 'model_name']).execute();
    expect(alerts).toEqual([{ rule: `dispute_overdue:${id}`, model_name: 'credit' }]);
    const overdue = await server.api('GET', '/api/v1/disputes?overdue=true');
    expect(overdue.body.items.map((d: { id: string }) => d.id)).toEqual([id]);

    const resolved = await server.api('PATCH', `/api/v1/disputes/${id}`, {
      body: { status: 'resolved', resolution: 'Amount corrected; decision re-run and approved' },
    });
    expect(resolved.body).toMatchObject({ status: 'resolved', overdue: false });
    expect(resolved.body.resolvedAt).toBe('2026-04-02T00:00:00.000Z');
    expect((await auditActions('dispute.opened')).length).toBe(1);
    expect((await auditActions('dispute.updated')).length).toBe(1);
    expect((await auditActions('dispute.closed')).length).toBe(1);
    expect((await auditActions('dispute.overdue')).length).toBe(1);

    // The periodic report counts it: opened 2026-03-02 10:30, closed 2026-04-02 00:00 = 30.5625 days.
    now = new Date('2026-04-03T00:00:00.000Z');
    const report = await server.api('POST', '/api/v1/reports', {
      body: { kind: 'periodic', model: 'credit', from: '2026-03-01T00:00:00Z', to: '2026-04-03T00:00:00Z' },
    });
    expect(report.status).toBe(201);
    const stored = await server.api('GET', `/api/v1/reports/${report.body.id as string}?format=json`);
    const section = (stored.body.content.sections as { id: string; tables: { rows: string[][] }[] }[]).find(
      (x) => x.id === 'decision-rights',
    );
    expect(section?.tables[0]?.rows).toEqual([
      ['disputes opened in the period', '1'],
      ['disputes closed in the period', '1'],
      ['disputes still open at the end of the period', '0'],
      ['median days to close', '30.6'],
      ['opt-outs recorded by the end of the period', '0'],
    ]);
  });

  it('lists the disputes of one record, and of their own model to its owner only', async () => {
    await post(server, `${V}/inferences`, [
      record('r1', 100, { amount: 0.5 }),
      record('r9', 90, { amount: 0.1 }),
    ]);
    const compliance = await server.tokenFor('carla', ['compliance']);
    const open = async (recordId: string) => {
      const res = await server.api('POST', `/api/v1/predictions/${recordId}/disputes`, {
        token: compliance,
        body: { statement: `About ${recordId}` },
      });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const first = await open('r1');
    const second = await open('r9');
    const ids = (res: { body: { items: { id: string }[] } }) => res.body.items.map((d) => d.id);
    expect(ids(await server.api('GET', '/api/v1/disputes?recordId=r1', { token: compliance }))).toEqual([
      first,
    ]);
    expect(ids(await server.api('GET', '/api/v1/disputes?recordId=nope', { token: compliance }))).toEqual([]);
    expect(ids(await server.api('GET', '/api/v1/disputes', { token: compliance })).sort()).toEqual(
      [first, second].sort(),
    );
    // alice owns credit: she lists its disputes when she names it, not every model's.
    const alice = await server.tokenFor('alice', ['data-scientist']);
    const owned = await server.api('GET', '/api/v1/disputes?model=credit&recordId=r9', { token: alice });
    expect(owned.status).toBe(200);
    expect(ids(owned)).toEqual([second]);
    expect((await server.api('GET', '/api/v1/disputes', { token: alice })).status).toBe(403);
    const dana = await server.tokenFor('dana', ['data-scientist']);
    expect((await server.api('GET', '/api/v1/disputes?model=credit', { token: dana })).status).toBe(403);
    const viewer = await server.tokenFor('vera', ['viewer']);
    expect((await server.api('GET', '/api/v1/disputes?recordId=r1', { token: viewer })).status).toBe(403);
  });

  it('refuses a dispute with personal data under the reject PII mode', async () => {
    await server.close();
    server = await startTestServer(backend, { now: () => now, config: { piiMode: 'reject' } });
    await registerMonitoredModel(server, 'credit');
    await post(server, `${V}/inferences`, [record('r1', 100, { amount: 0.5 })]);
    const res = await server.api('POST', '/api/v1/predictions/r1/disputes', {
      body: { statement: 'call me at jane.doe@example.com' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.field).toBe('statement');
    expect(await server.ctx.db.selectFrom('decision_disputes').selectAll().execute()).toHaveLength(0);
  });

  it('answers human-review on the routing API for a subject who opted out', async () => {
    const before = await server.api('GET', '/api/v1/models/credit/route?key=customer-42');
    expect(before.body.variant).not.toBe('human-review');
    const opt = await server.api('POST', '/api/v1/opt-outs', {
      body: { subjectKey: 'customer-42', model: 'credit' },
    });
    expect(opt.status).toBe(201);
    expect(opt.body.subjectSha256).toBe(createHash('sha256').update('customer-42').digest('hex'));
    const after = await server.api('GET', '/api/v1/models/credit/route?key=customer-42');
    expect(after.body).toEqual({ version: null, variant: 'human-review' });
    const someoneElse = await server.api('GET', '/api/v1/models/credit/route?key=customer-43');
    expect(someoneElse.body.variant).toBe('champion');
  });
});
