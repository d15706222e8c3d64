import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresAvailable } from '../../test/support/stores.js';
import { runMonitoring } from '../monitoring/index.js';
import { startWorkflowHarness, type WorkflowHarness } from '../workflow/workflow.test-helper.js';
import { claimRollout } from './rollout.repository.js';
import { controlRollout, runClaimedRollout } from './rollout.service.js';
import {
  advance,
  championAndApprovedCandidate,
  ingest,
  startWithApprovals,
  traffic,
} from './rollout.test-helper.js';

const ROUNDS = 12;
const BUDGET_MS = 120_000;

/**
 * A monitoring evaluation (which locks the model's row to publish its outcome, and rolls an
 * alerting candidate back) and a rollout's own decisions (the analysis task's abort, a person's
 * abort) on one model at the same moment, many times over. Each takes the model's row before the
 * rollout's row and the audit chain's head, so PostgreSQL never finds a lock cycle between them,
 * and exactly one of them rolls the candidate back.
 */
describe.skipIf(!postgresAvailable)('monitor outcomes and rollout decisions at once [postgres]', () => {
  let h: WorkflowHarness;
  beforeAll(async () => {
    h = await startWorkflowHarness('postgres');
  });
  afterAll(() => h.s.close());

  it('never deadlock, and roll the candidate back exactly once', async () => {
    const model = 'lock-order';
    await championAndApprovedCandidate(h, model);
    const mlops = await h.as('mo', ['mlops']);
    const ops = {
      principal: { tokenId: 'test', name: 'oliver', roles: ['operations' as const] },
      requestId: 'req-lock-order',
    };
    const began = Date.now();
    const errors: string[] = [];
    let rounds = 0;
    for (let round = 0; round < ROUNDS && Date.now() - began < BUDGET_MS; round++) {
      advance(h, 5);
      // Looser than tier 3's policy (steps, stepSeconds): started once approved.
      const started = await startWithApprovals(
        h,
        model,
        {
          candidate: '1.1.0',
          strategy: 'canary',
          steps: [10, 100],
          analysis: { intervalSeconds: 1, stepSeconds: 60, minSamplesPerVariant: 50, maxWaitSeconds: 3600 },
        },
        mlops,
      );
      expect(started.status, JSON.stringify(started.body)).toBe(201);
      const id = started.body.id as string;
      advance(h, 1);
      // The candidate fails one request in 10 (the tier's limits: 0.5 %), the champion none.
      await ingest(h, model, '1.0.0', traffic(`c${round}`, 300));
      await ingest(h, model, '1.1.0', traffic(`k${round}`, 200, 10));
      advance(h, 2);
      const now = h.clock.now;
      const owner = `test-${round}`;
      expect(
        await claimRollout(
          h.s.ctx.db,
          id,
          owner,
          now.toISOString(),
          new Date(now.getTime() + 30_000).toISOString(),
        ),
      ).toBe(true);
      const settled = await Promise.allSettled([
        runMonitoring(h.s.ctx, model, { now }),
        runClaimedRollout(h.s.ctx, id, owner),
        runMonitoring(h.s.ctx, model, { now }),
        controlRollout(h.s.ctx, ops, model, id, 'abort', 'on call'),
      ]);
      settled.forEach((s, i) => {
        if (s.status === 'fulfilled') return;
        const e = s.reason as { code?: string; message?: string };
        // A person's abort that comes after the automatic one is refused as such, by design.
        if (i === 3 && /aborted cannot abort/.test(e.message ?? '')) return;
        errors.push(`round ${round}, call ${i}: ${e.code ?? ''} ${e.message ?? String(s.reason)}`);
      });
      const row = await h.s.ctx.db
        .selectFrom('rollouts')
        .select(['status', 'candidate_weight', 'active'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'aborted', candidate_weight: 0, active: null });
      expect(await h.auditCount('rollout.aborted', `rollout:${id}`), `round ${round}`).toBe(1);
      rounds++;
    }
    expect(errors).toEqual([]);
    expect(rounds).toBeGreaterThanOrEqual(5);
    const verify = await h.s.api('GET', '/api/v1/audit/verify');
    expect(verify.body.ok).toBe(true);
  }, 180_000);
});
