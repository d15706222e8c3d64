import type { Role } from '../auth/roles.js';
import { newId } from '../core/ids.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import type { Backend } from '../../test/support/stores.js';
import { insertRun } from '../validation/validation.repository.js';

/** A test server with a movable clock and helpers for the governed lifecycle. */
export interface WorkflowHarness {
  s: TestServer;
  clock: { now: Date };
  /** A token per principal, issued once with the given roles. */
  as(principal: string, roles: Role[]): Promise<string>;
  createModel(name: string, tier: number, extra?: Record<string, unknown>): Promise<void>;
  createVersion(model: string, version: string, extra?: Record<string, unknown>): Promise<void>;
  /** Stores a validation run as the validation suite would (its repository), returning its id. */
  storeRun(
    model: string,
    version: string,
    level: 'full' | 'regression' | 'smoke',
    passed: boolean,
  ): Promise<string>;
  stage(model: string, version: string): Promise<string>;
  auditCount(action: string, subject?: string): Promise<number>;
}

export async function startWorkflowHarness(backend: Backend): Promise<WorkflowHarness> {
  const clock = { now: new Date('2026-03-02T09:00:00.000Z') };
  const s = await startTestServer(backend, { now: () => clock.now });
  const tokens = new Map<string, string>();
  const h: WorkflowHarness = {
    s,
    clock,
    async as(principal, roles) {
      const key = `${principal}|${roles.join(',')}`;
      let token = tokens.get(key);
      if (!token) {
        token = await s.tokenFor(principal, roles);
        tokens.set(key, token);
      }
      return token;
    },
    async createModel(name, tier, extra = {}) {
      const res = await s.api('POST', '/api/v1/models', {
        body: { name, owner: 'olivia', riskTier: tier, ...extra },
      });
      if (res.status !== 201) throw new Error(`model: ${JSON.stringify(res.body)}`);
    },
    async createVersion(model, version, extra = {}) {
      const res = await s.api('POST', `/api/v1/models/${model}/versions`, {
        body: versionBody(version, extra),
      });
      if (res.status !== 201) throw new Error(`version: ${JSON.stringify(res.body)}`);
    },
    async storeRun(model, version, level, passed) {
      const v = await s.ctx.db
        .selectFrom('model_versions')
        .innerJoin('models', 'models.id', 'model_versions.model_id')
        .select(['model_versions.id as vid', 'models.id as mid'])
        .where('models.name', '=', model)
        .where('model_versions.version', '=', version)
        .executeTakeFirstOrThrow();
      const id = newId('val');
      const checks = [
        {
          name: 'performance.thresholds',
          status: 'pass',
          value: 0.93,
          threshold: 0.9,
          rule: 'tiers.1.validation.minMetrics',
        },
        {
          name: 'performance.no-regression',
          status: passed ? 'pass' : 'fail',
          value: passed ? 0.1 : 2.5,
          threshold: 1,
          rule: 'tiers.1.validation.noRegressionPct',
        },
      ];
      await insertRun(s.ctx.db, {
        id,
        model_id: v.mid,
        model_name: model,
        version_id: v.vid,
        version,
        passed: passed ? 1 : 0,
        level,
        policy_version: 0,
        checks: JSON.stringify(checks),
        summary: JSON.stringify({ rows: 1000 }),
        created_at: clock.now.toISOString(),
        created_by: 'valerie',
      });
      return id;
    },
    async stage(model, version) {
      const res = await s.api('GET', `/api/v1/models/${model}/versions/${version}`);
      return (res.body as { stage: string }).stage;
    },
    async auditCount(action, subject) {
      let q = s.ctx.db.selectFrom('audit_log').select('seq').where('action', '=', action);
      if (subject !== undefined) q = q.where('subject', '=', subject);
      return (await q.execute()).length;
    },
  };
  return h;
}
