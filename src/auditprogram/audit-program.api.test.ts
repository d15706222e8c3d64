import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommandsInProcess } from '../../test/support/cli.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { insertRun } from '../validation/validation.repository.js';
import { registerAuditProgramCommands } from './audit-program.command.js';
import { drawSample, sampleSize } from './audit-program.sample.js';
import { raiseOverdueFindings } from './audit-program.service.js';

const TIER2 = 'abcdefghij'.split('').map((c) => `t2-${c}`);

/*
 * Expected samples computed independently with Python's hashlib (the documented rule: SHA-256 hex
 * of seed + "\n" + identifier, smallest first, ceil(pct % of the population)):
 *   key = lambda s, i: hashlib.sha256((s + "\n" + i).encode()).hexdigest()
 *   sorted(names, key=lambda n: key("audit-2026", n))[:ceil(10 * 20 / 100)]
 */
const PY = {
  seed2026pct20: ['t2-d', 't2-i'],
  seed2026pct20keys: [
    '08cbbac6749105b6599d55a8c7ef68cd486ad467f212e4ef46fc0b2981477964',
    '231a7edfec7909f9de01b6979cc0030ff1f63e10ca1c6d1fff0150e674ce303a',
  ],
  seed2026pct25: ['t2-d', 't2-i', 't2-b'],
  otherSeedPct20: ['t2-e', 't2-c'],
  q1ChangeRequests: ['cr-q1-1', 'cr-q1-4', 'cr-q1-2'],
  q2Alerts: ['al-q2-3', 'al-q2-4', 'al-q2-1'],
};

describe('audit program sampling (pure)', () => {
  it('draws the sample Python computes from the same rule', () => {
    const got = drawSample('audit-2026', TIER2, (n) => n, sampleSize(10, 20));
    expect(got.map((g) => g.item)).toEqual(PY.seed2026pct20);
    expect(got.map((g) => g.key)).toEqual(PY.seed2026pct20keys);
  });

  it('rounds the share up: 20 % of 10 is 2, 25 % of 10 is 3, 20 % of 1 is 1, nothing of nothing', () => {
    expect([sampleSize(10, 20), sampleSize(10, 25), sampleSize(1, 20), sampleSize(0, 20)]).toEqual([
      2, 3, 1, 0,
    ]);
    expect(sampleSize(7, 100)).toBe(7);
  });
});

describeEachBackend('annual audit program', (backend) => {
  let server: TestServer;
  const clock = { now: new Date('2026-07-15T12:00:00.000Z') };
  let auditor: string;
  let program: { id: string; seed: string };
  beforeAll(async () => {
    server = await startTestServer(backend, { now: () => clock.now });
    auditor = await server.tokenFor('ines', ['auditor']);
    await server.api('POST', '/api/v1/webhooks', {
      body: { url: 'http://127.0.0.1:9/hook', events: ['audit_finding.overdue'], secret: 'x'.repeat(20) },
    });
    for (const name of ['t1-x', 't1-y'])
      expect(
        (await server.api('POST', '/api/v1/models', { body: { name, owner: 'olga', riskTier: 1 } })).status,
      ).toBe(201);
    for (const name of TIER2)
      await server.api('POST', '/api/v1/models', { body: { name, owner: `own-${name}`, riskTier: 2 } });
    await server.api('POST', '/api/v1/models', { body: { name: 't3-z', owner: 'z', riskTier: 3 } });
    expect(
      (await server.api('POST', '/api/v1/models/t1-x/versions', { body: versionBody('1.0.0') })).status,
    ).toBe(201);

    // Decisions of the year, written as the workflow, validation and alerting store them.
    const db = server.ctx.db;
    const v = await db
      .selectFrom('model_versions')
      .innerJoin('models', 'models.id', 'model_versions.model_id')
      .select(['models.id as mid', 'model_versions.id as vid'])
      .where('models.name', '=', 't1-x')
      .executeTakeFirstOrThrow();
    const cr = (id: string, status: string, closedAt: string) => ({
      id,
      kind: 'transition',
      model_id: v.mid,
      model_name: 't1-x',
      version_id: v.vid,
      version: '1.0.0',
      from_stage: 'development',
      to_stage: 'staging',
      status,
      requested_by: 'dana',
      reason: 'r',
      evidence: '[]',
      required: '[]',
      required_level: null,
      payload: '{}',
      policy_version: 1,
      created_at: closedAt,
      updated_at: closedAt,
      expires_at: '2027-01-01T00:00:00.000Z',
      closed_at: closedAt,
      executed_at: status === 'executed' ? closedAt : null,
    });
    const q1 = ['executed', 'rejected', 'approved', 'executed', 'executed', 'rejected', 'executed'];
    await db
      .insertInto('change_requests')
      .values([
        ...q1.map((s, i) => cr(`cr-q1-${i + 1}`, s, `2026-0${1 + (i % 3)}-1${i}T10:00:00.000Z`)),
        cr('cr-q1-withdrawn', 'withdrawn', '2026-02-02T10:00:00.000Z'),
        cr('cr-q2-1', 'executed', '2026-04-01T00:00:00.000Z'),
      ])
      .execute();
    const alert = (id: string, status: string, resolvedAt: string | null) => ({
      id,
      model_id: v.mid,
      model_name: 't1-x',
      version: '1.0.0',
      rule: `accuracy_decay-${id}`,
      feature: null,
      segment: null,
      active_key: status === 'resolved' ? null : `k-${id}`,
      policy_rule: 'p',
      severity: 'high',
      status,
      value: null,
      threshold: null,
      detail: null,
      window_from: '2026-04-01T00:00:00.000Z',
      window_to: '2026-04-01T01:00:00.000Z',
      opened_at: '2026-04-01T01:00:00.000Z',
      last_seen_at: '2026-04-01T01:00:00.000Z',
      occurrences: 1,
      clean_windows: 0,
      escalation_level: 0,
      escalated_to: 'olga',
      escalated_at: null,
      acknowledged_by: null,
      acknowledged_at: null,
      resolved_by: status === 'resolved' ? 'olga' : null,
      resolved_at: resolvedAt,
      comments: '[]',
      updated_at: '2026-04-01T01:00:00.000Z',
    });
    await db
      .insertInto('alerts')
      .values([
        ...[1, 2, 3, 4].map((i) => alert(`al-q2-${i}`, 'resolved', `2026-05-0${i}T00:00:00.000Z`)),
        alert('al-open', 'open', null),
      ])
      .execute();
    await insertRun(db, {
      id: 'val-1',
      model_id: v.mid,
      model_name: 't1-x',
      version_id: v.vid,
      version: '1.0.0',
      passed: 0,
      level: 'full',
      policy_version: 1,
      checks: '[]',
      summary: '{}',
      created_at: '2026-05-01T00:00:00.000Z',
      created_by: 'dana',
    });
    const waiver = (id: string, status: string, at: string | null) => ({
      id,
      run_id: 'val-1',
      check_name: 'data.drift',
      reason: 'r',
      until: '2026-09-01T00:00:00.000Z',
      status,
      requested_by: 'dana',
      requested_at: '2026-05-01T00:00:00.000Z',
      approved_by: at ? 'vic' : null,
      approved_at: at,
    });
    await db
      .insertInto('validation_waivers')
      .values([
        waiver('wv-1', 'approved', '2026-05-02T00:00:00.000Z'),
        waiver('wv-2', 'approved', '2026-06-30T23:59:59.000Z'),
        waiver('wv-pending', 'pending', null),
      ])
      .execute();

    const res = await server.api('POST', '/api/v1/audit-programs', {
      token: auditor,
      body: {
        year: 2026,
        scope: ['model-performance', 'governance-compliance', 'security'],
        seed: 'audit-2026',
        decisionsPerQuarter: 3,
      },
    });
    expect(res.status).toBe(201);
    program = res.body;
  });
  afterAll(() => server.close());

  it('selects every tier-1 model and the seeded 20 % sample of tier-2 models Python computes', async () => {
    const p = (await server.api('GET', `/api/v1/audit-programs/${program.id}`)).body;
    expect(p.seed).toBe('audit-2026');
    expect(p.tier2SamplePct).toBe(20);
    expect(p.selection.tier1.map((m: { model: string }) => m.model)).toEqual(['t1-x', 't1-y']);
    expect(p.selection.tier2.population).toBe(10);
    expect(p.selection.tier2.sample.map((m: { model: string }) => m.model)).toEqual(PY.seed2026pct20);
    expect(p.selection.tier2.sample.map((m: { sampleKey: string }) => m.sampleKey)).toEqual(
      PY.seed2026pct20keys,
    );
    expect(p.selection.tier2.sample[0].owner).toBe('own-t2-d');
  });

  it('the same seed gives the same sample; another share or seed gives the sample Python computes for it', async () => {
    const again = await server.api('POST', '/api/v1/audit-programs', {
      body: { year: 2026, scope: ['security'], seed: 'audit-2026' },
    });
    expect(again.body.selection.tier2.sample.map((m: { model: string }) => m.model)).toEqual(
      PY.seed2026pct20,
    );
    const quarter = await server.api('POST', '/api/v1/audit-programs', {
      body: { year: 2026, scope: ['security'], seed: 'audit-2026', tier2SamplePct: 25 },
    });
    expect(quarter.body.selection.tier2.sample.map((m: { model: string }) => m.model)).toEqual(
      PY.seed2026pct25,
    );
    const other = await server.api('POST', '/api/v1/audit-programs', {
      body: { year: 2026, scope: ['security'], seed: 'other-seed' },
    });
    expect(other.body.selection.tier2.sample.map((m: { model: string }) => m.model)).toEqual(
      PY.otherSeedPct20,
    );
  });

  it('records a drawn seed when none is given, and the sample follows from it', async () => {
    const res = await server.api('POST', '/api/v1/audit-programs', {
      body: { year: 2027, scope: ['business-value'] },
    });
    expect(res.status).toBe(201);
    expect(res.body.seed).toMatch(/^[0-9a-f]{32}$/);
    const key = (n: string) => createHash('sha256').update(`${res.body.seed}\n${n}`).digest('hex');
    const expected = [...TIER2].sort((a, b) => (key(a) < key(b) ? -1 : 1)).slice(0, 2);
    expect(res.body.selection.tier2.sample.map((m: { model: string }) => m.model)).toEqual(expected);
    // Quarters of a year that has not begun sample nothing.
    expect(res.body.decisionSamples.every((q: { decisions: unknown[] }) => q.decisions.length === 0)).toBe(
      true,
    );
  });

  it('samples each begun quarter’s decisions with the seed: closed change requests, approved waivers, resolved alerts', async () => {
    const p = (await server.api('GET', `/api/v1/audit-programs/${program.id}`)).body;
    const [q1, q2, q3, q4] = p.decisionSamples;
    expect(q1.population).toEqual({ 'change-request': 7, waiver: 0, 'alert-resolution': 0 });
    expect(q1.decisions.map((d: { id: string }) => d.id)).toEqual(PY.q1ChangeRequests);
    expect(q1.complete).toBe(true);
    expect(q2.population).toEqual({ 'change-request': 1, waiver: 2, 'alert-resolution': 4 });
    const q2By = (kind: string) =>
      q2.decisions.filter((d: { kind: string }) => d.kind === kind).map((d: { id: string }) => d.id);
    expect(q2By('change-request')).toEqual(['cr-q2-1']);
    expect(q2By('waiver').sort()).toEqual(['wv-1', 'wv-2']);
    expect(q2By('alert-resolution')).toEqual(PY.q2Alerts);
    expect(q3.complete).toBe(false);
    expect(q3.decisions).toEqual([]);
    expect([q4.from, q4.to]).toEqual(['2026-10-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
  });

  it('refuses bad input with 400 naming the field, storing nothing', async () => {
    const before = (await server.api('GET', '/api/v1/audit-programs')).body.items.length;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ year: 2028, scope: ['security'] }, 'year'],
      [{ year: 2026, scope: [] }, 'scope'],
      [{ year: 2026, scope: ['security', 'astrology'] }, 'scope.1'],
      [{ year: 2026, scope: ['security'], tier2SamplePct: 0 }, 'tier2SamplePct'],
      [{ scope: ['security'] }, 'year'],
    ];
    for (const [body, field] of cases) {
      const res = await server.api('POST', '/api/v1/audit-programs', { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.field).toBe(field);
    }
    expect((await server.api('GET', '/api/v1/audit-programs')).body.items.length).toBe(before);
    const unknownArea = await server.api('POST', `/api/v1/audit-programs/${program.id}/findings`, {
      token: auditor,
      body: { area: 'astrology', title: 't', severity: 'low', owner: 'olga', dueDate: '2026-08-01' },
    });
    expect([unknownArea.status, unknownArea.body.error.field]).toEqual([400, 'area']);
    const outOfScope = await server.api('POST', `/api/v1/audit-programs/${program.id}/findings`, {
      token: auditor,
      body: { area: 'business-value', title: 't', severity: 'low', owner: 'olga', dueDate: '2026-08-01' },
    });
    expect([outOfScope.status, outOfScope.body.error.field]).toEqual([400, 'area']);
    const noModel = await server.api('POST', `/api/v1/audit-programs/${program.id}/findings`, {
      token: auditor,
      body: {
        area: 'security',
        model: 'nope',
        title: 't',
        severity: 'low',
        owner: 'olga',
        dueDate: '2026-08-01',
      },
    });
    expect([noModel.status, noModel.body.error.field]).toEqual([400, 'model']);
    expect((await server.api('GET', `/api/v1/audit-programs/${program.id}/findings`)).body.items).toEqual([]);
  });

  it('an independent auditor records and closes; the owner answers; builders and operators cannot record or close', async () => {
    const body = {
      area: 'governance-compliance',
      model: 't1-x',
      title: 'Model card update cadence inconsistent',
      severity: 'informational',
      owner: 'olga',
      dueDate: '2026-07-20',
      evidence: ['audit:1'],
    };
    const url = `/api/v1/audit-programs/${program.id}/findings`;
    for (const roles of [
      ['auditor', 'mlops'],
      ['auditor', 'data-scientist'],
      ['auditor', 'ml-engineer'],
    ] as const) {
      const t = await server.tokenFor(`mixed-${roles[1]}`, [...roles]);
      expect((await server.api('POST', url, { token: t, body })).status, roles.join('+')).toBe(403);
    }
    expect((await server.api('POST', url, { body })).status).toBe(403); // admin is not the auditor role
    const rec = await server.api('POST', url, { token: auditor, body });
    expect(rec.status).toBe(201);
    expect(rec.body).toMatchObject({
      status: 'open',
      recordedBy: 'ines',
      area: 'governance-compliance',
      evidence: ['audit:1'],
    });
    const id = rec.body.id;

    const olga = await server.tokenFor('olga', ['data-scientist']);
    const other = await server.tokenFor('pete', ['data-scientist']);
    const answer = {
      response: 'Reminder automated',
      status: 'remediated',
      evidence: ['https://wiki.local/x'],
    };
    expect(
      (await server.api('POST', `/api/v1/audit-findings/${id}/response`, { token: other, body: answer }))
        .status,
    ).toBe(403);
    const resp = await server.api('POST', `/api/v1/audit-findings/${id}/response`, {
      token: olga,
      body: answer,
    });
    expect(resp.status).toBe(200);
    expect(resp.body).toMatchObject({
      status: 'remediated',
      respondedBy: 'olga',
      evidence: ['audit:1', 'https://wiki.local/x'],
    });
    expect(
      (
        await server.api('POST', `/api/v1/audit-findings/${id}/close`, {
          token: olga,
          body: { note: 'done' },
        })
      ).status,
    ).toBe(403);
    const opsAuditor = await server.tokenFor('mixed-ops', ['auditor', 'mlops']);
    expect(
      (
        await server.api('POST', `/api/v1/audit-findings/${id}/close`, {
          token: opsAuditor,
          body: { note: 'done' },
        })
      ).status,
    ).toBe(403);
    const closed = await server.api('POST', `/api/v1/audit-findings/${id}/close`, {
      token: auditor,
      body: { note: 'checked' },
    });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ status: 'closed', closedBy: 'ines', closingNote: 'checked' });
    const twice = await server.api('POST', `/api/v1/audit-findings/${id}/close`, {
      token: auditor,
      body: { note: 'x' },
    });
    expect(twice.status).toBe(409);
    expect(
      (await server.api('POST', `/api/v1/audit-findings/${id}/response`, { token: olga, body: answer }))
        .status,
    ).toBe(409);

    // Every write is in the audit trail; the refused ones too.
    const entries = await server.ctx.db
      .selectFrom('audit_log')
      .select(['action', 'actor', 'subject'])
      .where('subject', 'in', [`audit-finding:${id}`, `audit-program:${program.id}`])
      .orderBy('seq')
      .execute();
    expect(entries.map((e) => `${e.action} ${e.actor}`)).toEqual([
      'audit_program.created ines',
      'audit_finding.recorded ines',
      'audit_finding.responded olga',
      'audit_finding.closed ines',
    ]);
    const refused = await server.ctx.db
      .selectFrom('audit_log')
      .select(['actor'])
      .where('actor', '=', 'mixed-ops')
      .execute();
    expect(refused.length).toBeGreaterThan(0);
  });

  it('raises one alert per overdue remediation, on the model and to its owner, and closing resolves it', async () => {
    clock.now = new Date('2026-07-16T00:00:00.000Z');
    const rec = await server.api('POST', `/api/v1/audit-programs/${program.id}/findings`, {
      token: auditor,
      body: {
        area: 'security',
        model: 't1-x',
        title: 'Unsigned artifact',
        severity: 'high',
        owner: 'olga',
        dueDate: '2026-07-20',
      },
    });
    expect(rec.status).toBe(201);
    const id = rec.body.id;
    clock.now = new Date('2026-07-20T23:59:59.000Z'); // still the due day
    expect(await raiseOverdueFindings(server.ctx)).toBe(0);
    clock.now = new Date('2026-07-21T00:00:01.000Z');
    expect(await raiseOverdueFindings(server.ctx)).toBe(1);
    expect(await raiseOverdueFindings(server.ctx)).toBe(0);
    const alerts = await server.api('GET', '/api/v1/alerts?model=t1-x&status=open');
    const mine = alerts.body.items.filter((a: { rule: string }) => a.rule === `audit-finding:${id}`);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ severity: 'high', escalatedTo: 'olga' });
    const hooks = await server.ctx.db
      .selectFrom('webhook_deliveries')
      .select(['event_type'])
      .where('event_type', '=', 'audit_finding.overdue')
      .execute();
    expect(hooks).toHaveLength(1);
    const report = (await server.api('GET', `/api/v1/audit-programs/${program.id}/report`)).body;
    expect(report.status.overdue).toBe(1);
    await server.api('POST', `/api/v1/audit-findings/${id}/close`, {
      token: auditor,
      body: { note: 'accepted' },
    });
    const after = await server.api('GET', '/api/v1/alerts?model=t1-x&status=open');
    expect(after.body.items.filter((a: { rule: string }) => a.rule === `audit-finding:${id}`)).toEqual([]);
  });

  it('the program report lists scope, sample, findings and status in JSON, Markdown and HTML', async () => {
    const json = (await server.api('GET', `/api/v1/audit-programs/${program.id}/report`)).body;
    expect(json.program.id).toBe(program.id);
    expect(json.status.byStatus).toEqual({ open: 0, 'in-progress': 0, remediated: 0, closed: 2 });
    expect(json.status.byArea).toEqual({ 'model-performance': 0, 'governance-compliance': 1, security: 1 });
    const md = await fetch(`${server.url}/api/v1/audit-programs/${program.id}/report?format=md`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    const text = await md.text();
    expect(md.headers.get('content-type')).toContain('text/markdown');
    for (const s of [
      'Governance compliance (approvals, documentation, audit trail)',
      't2-d',
      't2-i',
      't1-y',
      'audit-2026',
      'Unsigned artifact',
      'cr-q1-4',
    ])
      expect(text, s).toContain(s);
    expect(text).not.toContain('t2-a |');
    const html = await fetch(`${server.url}/api/v1/audit-programs/${program.id}/report`, {
      headers: { authorization: `Bearer ${auditor}`, accept: 'text/html' },
    });
    expect(html.headers.get('content-type')).toContain('text/html');
    const page = await html.text();
    expect(page).toContain('Annual model audit program 2026');
    expect(page).toContain('Model card update cadence inconsistent');
  });

  it('the CLI creates, lists, shows and reports programs and records and lists findings', async () => {
    const env = { WARDEN_URL: server.url, WARDEN_TOKEN: auditor };
    const run = (args: string[]) => runCommandsInProcess(registerAuditProgramCommands, args, env);
    const created = await run([
      'audit-programs',
      'create',
      '--year',
      '2026',
      '--scope',
      'security,data-quality',
      '--seed',
      'audit-2026',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const p = JSON.parse(created.stdout);
    expect(p.scope).toEqual(['security', 'data-quality']);
    expect(p.selection.tier2.sample.map((m: { model: string }) => m.model)).toEqual(PY.seed2026pct20);
    const listed = await run(['audit-programs', 'list', '--year', '2026']);
    expect(listed.stdout).toContain(p.id);
    const shown = await run(['audit-programs', 'show', p.id]);
    expect(shown.stdout).toContain('tier 2 sample: t2-d, t2-i');
    const bad = await run(['audit-programs', 'create', '--year', '2026', '--scope', 'astrology']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('astrology');
    const rec = await run([
      'audit-findings',
      'record',
      p.id,
      '--area',
      'data-quality',
      '--title',
      'Lineage hash missing',
      '--severity',
      'medium',
      '--owner',
      'olga',
      '--due',
      '2026-09-30',
      '--evidence',
      'report:r1',
      '--json',
    ]);
    expect(rec.code, rec.stderr).toBe(0);
    const findings = await run(['audit-findings', 'list', p.id]);
    expect(findings.stdout).toContain('Lineage hash missing');
    const report = await run(['audit-programs', 'report', p.id]);
    expect(report.stdout).toContain('Lineage hash missing');
    expect(report.stdout).toContain('## Findings');
  });
});
