import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { DEFAULT_POLICY, savePolicyVersion, type PolicyDocument } from '../policy/index.js';
import { alertEscalationTask } from './alert-escalation.task.js';
import { check, process, registerModel, testClock } from './alerting.test-helper.js';

describeEachBackend('alerting follows the active policy', (backend) => {
  let server: TestServer;
  const clock = testClock('2026-06-01T00:00:00.000Z');

  beforeAll(async () => {
    server = await startTestServer(backend, { now: clock.now });
    const doc = structuredClone<PolicyDocument>(DEFAULT_POLICY);
    doc.tiers['2'].monitoring.alerting = {
      ackWithinMinutes: 15,
      escalationChain: ['On-call', 'Head of ML'],
      escalateEveryMinutes: 15,
      autoResolveAfterCleanWindows: 5,
    };
    await server.ctx.db.transaction().execute((trx) =>
      savePolicyVersion(trx, server.ctx.audit, doc, {
        actor: 'test',
        requestId: null,
        reason: 'faster escalation for tier 2',
        now: clock.now(),
      }),
    );
  });
  afterAll(() => server.close());

  it('uses the policy chain, deadline and clean-window count of the tier', async () => {
    const model = await registerModel(server, 'policy-driven', 2);
    await process(server, model, [check('data_drift', 'alert', 60, { feature: 'x' })]);
    let [alert] = (await server.api('GET', '/api/v1/alerts?model=policy-driven')).body.items;
    expect(alert.escalatedTo).toBe('On-call');

    clock.set('2026-06-01T00:15:00.000Z');
    await alertEscalationTask.runOnce(server.ctx);
    alert = (await server.api('GET', `/api/v1/alerts/${alert.id}`)).body;
    expect(alert).toMatchObject({ escalationLevel: 1, escalatedTo: 'Head of ML' });

    for (let i = 0; i < 4; i++)
      await process(server, model, [check('data_drift', 'ok', 120 + i * 60, { feature: 'x' })]);
    expect((await server.api('GET', `/api/v1/alerts/${alert.id}`)).body.status).toBe('open');
    await process(server, model, [check('data_drift', 'ok', 420, { feature: 'x' })]);
    expect((await server.api('GET', `/api/v1/alerts/${alert.id}`)).body.status).toBe('resolved');
  });
});
