import { afterEach, beforeEach, expect, it } from 'vitest';
import { approveAll } from '../../test/support/governance.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { registerMonitoredModel } from '../monitoring/monitoring.test-helper.js';

const CONFIG = '/api/v1/models/credit/monitoring/config';

describeEachBackend('governed monitoring configuration', (backend) => {
  let server: TestServer;
  let dana: string;
  beforeEach(async () => {
    server = await startTestServer(backend);
    await registerMonitoredModel(server, 'credit', { riskTier: 1 });
    dana = await server.tokenFor('dana', ['data-scientist']);
  });
  afterEach(() => server.close());

  const effective = async () => (await server.api('GET', CONFIG)).body.effective;
  const configAudits = async () =>
    (await server.api('GET', '/api/v1/audit?subject=model:credit&action=monitoring.config_set')).body
      .items as Array<{ change: Record<string, unknown> }>;

  // Finding 2: drift thresholds of 10 / 50 / 1 and disabled cadences were accepted without approval.
  it('holds raised thresholds and disabled cadences in a change request; the stricter values apply meanwhile', async () => {
    const asked = await server.api('PUT', CONFIG, {
      token: dana,
      body: {
        thresholds: { dataDriftPsi: 10, accuracyDecayPct: 50, brierDrift: 1 },
        cadenceMinutes: { performance: null, dataDrift: null },
      },
    });
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({ kind: 'governance_change', model: 'credit', status: 'requested' });
    expect(asked.body.payload.loosenings).toEqual([
      'threshold accuracyDecayPct raised from 0.5 to 50',
      'threshold dataDriftPsi raised from 0.05 to 10',
      'threshold brierDrift raised from 0.005 to 1',
      'performance monitor disabled (was every 15 minutes)',
      'dataDrift monitor disabled (was every 60 minutes)',
    ]);
    // Tier 1 (seed): review board 4 of 5, compliance, legal and business owner.
    expect(
      Object.fromEntries(asked.body.required.map((r: { role: string; count: number }) => [r.role, r.count])),
    ).toEqual({ 'review-board': 4, compliance: 1, legal: 1, 'business-owner': 1 });
    // Nothing loosened yet: the tier-1 values of the seed trigger table are in force.
    const now = await effective();
    expect(now.thresholds).toMatchObject({ dataDriftPsi: 0.05, accuracyDecayPct: 0.5, brierDrift: 0.005 });
    expect(now.cadenceMinutes).toMatchObject({ performance: 15, dataDrift: 60 });
    expect(await configAudits()).toHaveLength(0);

    // A second change waits for the first.
    const again = await server.api('PUT', CONFIG, {
      token: dana,
      body: { thresholds: { dataDriftPsi: 0.01 } },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain(asked.body.id);
    // The refused attempt changes nothing but is audited, with its reason.
    const refusals = await server.ctx.db
      .selectFrom('audit_log')
      .select(['actor', 'change'])
      .where('action', '=', 'monitoring.config_change_refused')
      .where('subject', '=', 'model:credit')
      .execute();
    expect(refusals).toHaveLength(1);
    expect(JSON.parse(refusals[0]!.change).reason).toBe(again.body.error.message);

    // The author of the request cannot approve it; the governance votes execute it.
    const own = await server.api('POST', `/api/v1/change-requests/${asked.body.id}/decisions`, {
      token: await server.tokenFor('dana', ['data-scientist', 'compliance']),
      body: { decision: 'approve', role: 'compliance' },
    });
    expect(own.status).toBe(403);
    expect((await approveAll(server, asked.body)).body.status).toBe('executed');
    const after = await effective();
    expect(after.thresholds).toMatchObject({ dataDriftPsi: 10, accuracyDecayPct: 50, brierDrift: 1 });
    expect(after.cadenceMinutes).toMatchObject({ performance: null, dataDrift: null, conceptDrift: 1440 });
    const audits = await configAudits();
    expect(audits).toHaveLength(1);
    expect(audits[0]!.change).toMatchObject({ changeRequestId: asked.body.id });
  });

  // Declaring a classification model a regression one would stop its accuracy, precision, recall and fairness monitors.
  it('holds a switch of the monitoring task that stops the monitors of a version', async () => {
    const asked = await server.api('PUT', CONFIG, { token: dana, body: { task: 'regression' } });
    expect(asked.status).toBe(202);
    expect(asked.body.payload.loosenings).toEqual([
      'version 1.0.0 monitored as regression instead of classification (its classification monitors stop)',
    ]);
    const view = (await server.api('GET', CONFIG)).body;
    expect(view.task).toBeUndefined();
    expect(await configAudits()).toHaveLength(0);
    expect((await approveAll(server, asked.body)).body.status).toBe('executed');
    expect((await server.api('GET', CONFIG)).body.task).toBe('regression');
  });

  it('applies a tightening at once, audited, and the tightening part of a mixed change', async () => {
    const tight = await server.api('PUT', CONFIG, {
      token: dana,
      body: { thresholds: { dataDriftPsi: 0.02 }, cadenceMinutes: { performance: 5 } },
    });
    expect(tight.status).toBe(200);
    expect(tight.body.effective.thresholds.dataDriftPsi).toBe(0.02);
    expect(tight.body.effective.cadenceMinutes.performance).toBe(5);
    expect(await configAudits()).toHaveLength(1);

    // Tighter data drift, looser accuracy decay, and dropping the 5-minute cadence.
    const mixed = await server.api('PUT', CONFIG, {
      token: dana,
      body: { thresholds: { dataDriftPsi: 0.01, accuracyDecayPct: 5 }, bucketMinutes: 30 },
    });
    expect(mixed.status).toBe(202);
    expect(mixed.body.payload.loosenings).toEqual([
      'threshold accuracyDecayPct raised from 0.5 to 5',
      'performance cadence lengthened from 5 to 15 minutes',
    ]);
    const view = (await server.api('GET', CONFIG)).body;
    expect(view.bucketMinutes).toBe(30);
    expect(view.effective.thresholds).toMatchObject({ dataDriftPsi: 0.01, accuracyDecayPct: 0.5 });
    expect(view.effective.cadenceMinutes.performance).toBe(5);
    const audits = await configAudits();
    expect(audits).toHaveLength(2);
    expect(audits[0]!.change.heldForApproval).toEqual(mixed.body.payload.loosenings);

    // Rejected: the interim (stricter) configuration stays.
    const no = await server.api('POST', `/api/v1/change-requests/${mixed.body.id}/decisions`, {
      token: await server.tokenFor('carla', ['compliance']),
      body: { decision: 'reject', role: 'compliance', comment: 'accuracy decay must stay at the tier value' },
    });
    expect(no.body.status).toBe('rejected');
    expect((await effective()).thresholds.accuracyDecayPct).toBe(0.5);
  });
});
