import { createHash } from 'node:crypto';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runCommandsInProcess } from '../../test/support/cli.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { approveAll } from '../../test/support/governance.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { features, post, registerMonitoredModel, seeded } from '../monitoring/monitoring.test-helper.js';
import { verifyAuditChain } from '../audit/audit-verify.js';
import { startServer } from '../server/server.js';
import { registerRetentionCommands } from './retention.command.js';
import { retentionTask, runRetention } from './retention.service.js';

describeEachBackend('retention is enforced (finding 8)', (backend) => {
  let server: TestServer;
  let clock = new Date('2025-02-05T10:00:00.000Z');
  beforeEach(async () => {
    clock = new Date('2025-01-16T10:00:00.000Z');
    server = await startTestServer(backend, { now: () => clock });
    const rng = seeded(3);
    const at = (id: string, ts: string) => ({ id, timestamp: ts, features: features(rng), prediction: 0 });
    for (const name of ['fraud', 'held']) {
      await registerMonitoredModel(server, name, { riskTier: 3 }); // tier 3 keeps raw records 366 days
      await post(server, `/api/v1/models/${name}/versions/1.0.0/inferences`, [
        at('old-1', '2025-01-10T00:00:00Z'),
        at('old-2', '2025-01-15T00:00:00Z'),
      ]);
      await post(server, `/api/v1/models/${name}/versions/1.0.0/labels`, [
        { id: 'old-1', label: 1 },
        { id: 'never-arrives', label: 0 },
      ]);
    }
    clock = new Date('2025-02-05T10:00:00.000Z');
    for (const name of ['fraud', 'held'])
      await post(server, `/api/v1/models/${name}/versions/1.0.0/inferences`, [
        at('new', '2025-02-05T09:00:00Z'),
      ]);
  });
  afterEach(() => server.close());

  const left = async (model: string) =>
    (
      await server.ctx.db
        .selectFrom('inference_records')
        .innerJoin('model_versions', 'model_versions.id', 'inference_records.version_id')
        .innerJoin('models', 'models.id', 'model_versions.model_id')
        .select('inference_records.record_id')
        .where('models.name', '=', model)
        .orderBy('inference_records.record_id')
        .execute()
    ).map((r) => r.record_id);

  it('purges records past the tier period, audits each purge, and never touches a model under legal hold', async () => {
    const ds = await server.tokenFor('dana', ['data-scientist']);
    const refused = await server.api('POST', '/api/v1/models/held/legal-hold', {
      token: ds,
      body: { reason: 'litigation' },
    });
    expect(refused.status).toBe(403);
    const legal = await server.tokenFor('lee', ['legal']);
    const hold = await server.api('POST', '/api/v1/models/held/legal-hold', {
      token: legal,
      body: { reason: 'Case 24-cv-1077: preserve all scoring records' },
    });
    expect(hold.status).toBe(201);
    expect(hold.body.legalHold).toEqual({
      reason: 'Case 24-cv-1077: preserve all scoring records',
      placedAt: '2025-02-05T10:00:00.000Z',
      placedBy: 'lee',
    });
    expect(
      (
        await server.api('POST', '/api/v1/models/held/legal-hold', {
          token: legal,
          body: { reason: 'again' },
        })
      ).status,
    ).toBe(409);

    // 366 days before 2026-01-25 is 2025-01-24: the two January records and the lone label are due.
    clock = new Date('2026-01-25T00:00:00.000Z');
    const cli = await runCommandsInProcess(registerRetentionCommands, ['retention', 'run', '--json'], {
      WARDEN_URL: server.url,
      WARDEN_TOKEN: server.adminToken,
    });
    expect(cli.code).toBe(0);
    const run = JSON.parse(cli.stdout);
    expect(run.held).toEqual(['held']);
    expect(run.purges).toHaveLength(1);
    const versionId = (await server.api('GET', '/api/v1/models/fraud/versions/1.0.0')).body.id as string;
    const expectedDigest = createHash('sha256')
      .update(
        [`label:${versionId}:never-arrives`, `record:${versionId}:old-1`, `record:${versionId}:old-2`].join(
          '\n',
        ),
      )
      .digest('hex');
    expect(run.purges[0]).toMatchObject({
      model: 'fraud',
      tier: 3,
      records: 2,
      labels: 1,
      pending: 1,
      from: '2025-01-10T00:00:00.000Z',
      idsSha256: expectedDigest,
    });
    expect(await left('fraud')).toEqual(['new']);
    expect(await left('held')).toEqual(['new', 'old-1', 'old-2']);
    // Window profiles stay: they are the long-term history.
    const windows = await server.ctx.db
      .selectFrom('monitoring_windows')
      .select('records')
      .where('segment', '=', '')
      .execute();
    expect(windows.reduce((s, w) => s + Number(w.records), 0)).toBe(6);

    const audit = await server.api('GET', '/api/v1/audit?subject=model:fraud&action=retention.purged');
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].change).toMatchObject({ records: 2, pending: 1, idsSha256: expectedDigest });

    // Raw records of a held model cannot be deleted by other means either.
    const del = await server.api('DELETE', '/api/v1/models/held/versions/1.0.0/reference');
    expect(del.status).toBe(409);
    expect(del.body.error.message).toContain('legal hold');

    // Lifting the hold is a governed change: the hold stays until the request executes.
    const asked = await server.api('DELETE', '/api/v1/models/held/legal-hold?reason=case%20closed', {
      token: legal,
    });
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ kind: 'governance_change', model: 'held', status: 'requested' });
    expect(asked.body.required.map((r: { role: string }) => r.role)).toEqual(
      expect.arrayContaining(['compliance', 'legal']),
    );
    expect((await server.api('GET', '/api/v1/models/held')).body.legalHold).not.toBeNull();
    const twice = await server.api('DELETE', '/api/v1/models/held/legal-hold', { token: legal });
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toContain(asked.body.id);
    // The refused request is audited with its reason.
    const refusals = await server.ctx.db
      .selectFrom('audit_log')
      .select(['actor', 'change'])
      .where('action', '=', 'legal_hold.lift_refused')
      .where('subject', '=', 'model:held')
      .execute();
    expect(refusals).toHaveLength(1);
    expect(JSON.parse(refusals[0]!.change).reason).toBe(twice.body.error.message);
    expect((await runRetention(server.ctx)).held).toEqual(['held']);
    // The one who asked cannot approve it.
    const own = await server.api('POST', `/api/v1/change-requests/${asked.body.id}/decisions`, {
      token: legal,
      body: { decision: 'approve', role: 'legal' },
    });
    expect(own.status).toBe(403);
    expect((await approveAll(server, asked.body)).body.status).toBe('executed');
    const lifted = await server.api('GET', '/api/v1/models/held');
    expect(lifted.body.legalHold).toBeNull();
    const trail = await server.api('GET', '/api/v1/audit?subject=model:held&action=model.legal_hold_lifted');
    expect(trail.body.items).toHaveLength(1);
    const second = await runRetention(server.ctx);
    expect(second.purges.map((p) => [p.model, p.records])).toEqual([['held', 2]]);
  });

  it('runs once a day across servers, and a purge is never done twice', async () => {
    clock = new Date('2026-01-25T00:00:00.000Z');
    // Two servers asking at the same moment: one claims the day's round.
    await Promise.all([retentionTask.runOnce(server.ctx), retentionTask.runOnce(server.ctx)]);
    const entries = await server.api('GET', '/api/v1/audit?action=retention.purged');
    expect(entries.body.items.map((e: { subject: string }) => e.subject).sort()).toEqual([
      'model:fraud',
      'model:held',
    ]);
    expect(await left('fraud')).toEqual(['new']);
    // Within the day nothing runs again; concurrent manual runs find nothing left to purge.
    await retentionTask.runOnce(server.ctx);
    const [a, b] = await Promise.all([runRetention(server.ctx), runRetention(server.ctx)]);
    expect(a.purges.length + b.purges.length).toBe(0);
    expect((await server.api('GET', '/api/v1/audit?action=retention.purged')).body.items).toHaveLength(2);
  });

  // Several servers share a store on PostgreSQL only; an embedded SQLite file belongs to one server.
  it.skipIf(backend === 'sqlite')(
    'purges each record once when two servers sharing the store purge at the same moment',
    async () => {
      clock = new Date('2026-01-25T00:00:00.000Z');
      const other = await startServer(server.store.config, { background: false, now: () => clock });
      try {
        const runs = await Promise.all([
          runRetention(server.ctx),
          runRetention(other.ctx),
          runRetention(server.ctx),
          runRetention(other.ctx),
        ]);
        // Each model's two old records (and its old labels) are purged by exactly one of the four runs.
        const purges = runs.flatMap((r) => r.purges).map((p) => [p.model, p.records]);
        expect(purges.sort()).toEqual([
          ['fraud', 2],
          ['held', 2],
        ]);
        expect(await left('fraud')).toEqual(['new']);
        expect(await left('held')).toEqual(['new']);
        const entries = await server.api('GET', '/api/v1/audit?action=retention.purged');
        expect(entries.body.items.map((e: { subject: string }) => e.subject).sort()).toEqual([
          'model:fraud',
          'model:held',
        ]);
        expect(await verifyAuditChain(server.ctx.store)).toMatchObject({ ok: true });
      } finally {
        await other.close();
      }
    },
  );
});
