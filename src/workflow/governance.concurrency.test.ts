import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { postgresAvailable } from '../../test/support/stores.js';
import { registerMonitoredModel } from '../monitoring/monitoring.test-helper.js';
import { startServer, type RunningServer } from '../server/server.js';

// Several servers share a store only on PostgreSQL (SQLite is a single-server store).
describe.skipIf(!postgresAvailable)('governance decisions from two servers on one PostgreSQL store', () => {
  let first: TestServer;
  let second: RunningServer;
  beforeAll(async () => {
    first = await startTestServer('postgres');
    second = await startServer(first.store.config, { background: false });
  });
  afterAll(async () => {
    await second.close();
    await first.close();
  });

  /** The same request sent to one server or the other. */
  const on = (server: 0 | 1, method: string, path: string, token: string, body?: unknown) =>
    fetch((server === 0 ? first.url : second.url) + path, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, any> }));
  const count = async (table: 'audit_log' | 'change_request_decisions', where: Record<string, string>) => {
    let q = first.ctx.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n'));
    for (const [k, v] of Object.entries(where)) q = q.where(k as never, '=', v as never);
    return Number((await q.executeTakeFirstOrThrow()).n);
  };

  it('records every one of seven simultaneous votes and executes the change once', async () => {
    await registerMonitoredModel(first, 'race-tier', { riskTier: 1 });
    const dana = await first.tokenFor('dana', ['data-scientist']);
    const asked = await on(0, 'PATCH', '/api/v1/models/race-tier', dana, { riskTier: 4 });
    expect(asked.status).toBe(202);
    const id = asked.body.id as string;
    const voters = [
      ...['bea', 'bram', 'bo', 'bianca'].map((p) => [p, 'review-board'] as const),
      ['cora', 'compliance'] as const,
      ['lee', 'legal'] as const,
      ['otto', 'business-owner'] as const,
    ];
    const tokens = await Promise.all(voters.map(([p, role]) => first.tokenFor(p, [role])));
    // Each vote goes to the other server from the one before, all at once; one voter also votes twice.
    const votes = await Promise.all([
      ...voters.map(([, role], i) =>
        on((i % 2) as 0 | 1, 'POST', `/api/v1/change-requests/${id}/decisions`, tokens[i]!, {
          decision: 'approve',
          role,
        }),
      ),
      on(1, 'POST', `/api/v1/change-requests/${id}/decisions`, tokens[0]!, {
        decision: 'approve',
        role: 'review-board',
      }),
    ]);
    const statuses = votes.map((v) => v.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(7);
    expect(statuses.filter((s) => s === 409)).toHaveLength(1);
    expect(await count('change_request_decisions', { change_request_id: id })).toBe(7);
    const request = await on(0, 'GET', `/api/v1/change-requests/${id}`, dana);
    expect(request.body.status).toBe('executed');
    expect(
      await count('audit_log', { action: 'change_request.executed', subject: `change_request:${id}` }),
    ).toBe(1);
    expect(await count('audit_log', { action: 'model.updated', subject: 'model:race-tier' })).toBe(1);
    expect((await on(1, 'GET', '/api/v1/models/race-tier', dana)).body.riskTier).toBe(4);
  });

  it('opens one governance change when both servers are asked to lower the same tier at once', async () => {
    await registerMonitoredModel(first, 'race-twice', { riskTier: 1 });
    const dana = await first.tokenFor('dana2', ['data-scientist']);
    const answers = await Promise.all(
      [0, 1, 0, 1].map((s) => on(s as 0 | 1, 'PATCH', '/api/v1/models/race-twice', dana, { riskTier: 3 })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([202, 409, 409, 409]);
    const open = await first.ctx.db
      .selectFrom('change_requests')
      .select('id')
      .where('model_name', '=', 'race-twice')
      .where('kind', '=', 'governance_change')
      .execute();
    expect(open).toHaveLength(1);
    // The same for a loosened monitoring configuration.
    const configs = await Promise.all(
      [0, 1].map((s) =>
        on(s as 0 | 1, 'PUT', '/api/v1/models/race-twice/monitoring/config', dana, {
          thresholds: { dataDriftPsi: 0.5 },
        }),
      ),
    );
    expect(configs.map((a) => a.status).sort()).toEqual([202, 409]);
  });
});
