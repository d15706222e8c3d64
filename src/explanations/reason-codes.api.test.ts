import { afterEach, beforeEach, expect, it } from 'vitest';
import { approveAll, promoteToProduction } from '../../test/support/governance.js';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { registerMonitoredModel } from '../monitoring/monitoring.test-helper.js';

const V = '/api/v1/models/credit/versions/1.0.0';
const CODES = `${V}/reason-codes`;

const FIRST = { amount: 'Amount requested too high', country: 'Country of residence' };
const SECOND = { amount: 'Amount requested too high for income', age: 'Length of credit history' };

describeEachBackend('governed reason codes', (backend) => {
  let server: TestServer;
  let dana: string;
  beforeEach(async () => {
    server = await startTestServer(backend);
    await registerMonitoredModel(server, 'credit', { riskTier: 1 });
    dana = await server.tokenFor('dana', ['data-scientist']);
  });
  afterEach(() => server.close());

  const toStaging = async () => {
    const staged = await server.api('POST', `${V}/transitions`, {
      body: { to: 'staging', reason: 'review' },
    });
    expect(staged.status).toBe(201);
    if (staged.body.status !== 'executed') await approveAll(server, staged.body, 'stager');
    expect((await server.api('GET', V)).body.stage).toBe('staging');
  };
  const written = async () =>
    (
      await server.ctx.db
        .selectFrom('audit_log')
        .select(['actor', 'change'])
        .where('action', '=', 'explanations.reason_codes_written')
        .where('subject', '=', 'model:credit@1.0.0')
        .orderBy('seq')
        .execute()
    ).map((r) => ({ actor: r.actor, change: JSON.parse(r.change) as Record<string, unknown> }));
  const governanceRequests = async () =>
    server.ctx.db
      .selectFrom('change_requests')
      .select(['id', 'status'])
      .where('kind', '=', 'governance_change')
      .execute();
  const history = async () =>
    (await server.api('GET', CODES)).body.items as Array<{
      revision: number;
      codes: Record<string, string>;
      createdBy: string;
      changeRequestId: string | null;
    }>;

  it('applies a staging version’s table at once, audited with the table it replaced', async () => {
    await toStaging();
    const first = await server.api('PUT', CODES, { token: dana, body: FIRST });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ revision: 1, codes: FIRST, unchanged: false, changeRequestId: null });
    const second = await server.api('PUT', CODES, { token: dana, body: SECOND });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ revision: 2, codes: SECOND, createdBy: 'dana' });

    const audits = await written();
    expect(audits).toHaveLength(2);
    expect(audits[0]!.change).toMatchObject({
      revision: 1,
      previousRevision: null,
      previous: {},
      codes: FIRST,
    });
    expect(audits[1]).toEqual({
      actor: 'dana',
      change: {
        revision: 2,
        codes: SECOND,
        previousRevision: 1,
        previous: FIRST,
        // By hand: age is new, amount's text changes, country is dropped.
        diff: {
          added: { age: 'Length of credit history' },
          changed: {
            amount: { from: 'Amount requested too high', to: 'Amount requested too high for income' },
          },
          removed: { country: 'Country of residence' },
        },
        changeRequestId: null,
      },
    });

    // The same table again stores nothing.
    const same = await server.api('PUT', CODES, { token: dana, body: { ...SECOND } });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ revision: 2, unchanged: true });
    expect(await written()).toHaveLength(2);
    expect(await governanceRequests()).toHaveLength(0);
  });

  it('holds a production version’s new table in a governance change request until the governance votes execute it', async () => {
    expect((await server.api('PUT', CODES, { token: dana, body: FIRST })).status).toBe(200);
    expect((await promoteToProduction(server, 'credit', '1.0.0')).body.status).toBe('executed');

    const asked = await server.api('PUT', CODES, { token: dana, body: SECOND });
    expect(asked.status).toBe(202);
    expect(asked.body).toMatchObject({
      kind: 'governance_change',
      model: 'credit',
      version: '1.0.0',
      status: 'requested',
      requestedBy: 'dana',
    });
    // Tier 1 (seed): the promotion approvals — review board 4 of 5, compliance, legal, business
    // owner — with compliance, the default `governanceChanges`.
    expect(
      Object.fromEntries(asked.body.required.map((r: { role: string; count: number }) => [r.role, r.count])),
    ).toEqual({ 'review-board': 4, compliance: 1, legal: 1, 'business-owner': 1 });
    // What executing would do: the table asked for, the one in force, and the diff.
    expect(asked.body.payload).toEqual({
      fact: 'reason-codes',
      version: '1.0.0',
      codes: SECOND,
      before: FIRST,
      beforeRevision: 1,
      diff: {
        added: { age: 'Length of credit history' },
        changed: {
          amount: { from: 'Amount requested too high', to: 'Amount requested too high for income' },
        },
        removed: { country: 'Country of residence' },
      },
      changes: ['age added', 'amount changed', 'country removed'],
    });
    const id = asked.body.id as string;
    expect((await server.api('GET', `/api/v1/change-requests/${id}`)).body.payload.diff.removed).toEqual({
      country: 'Country of residence',
    });
    // Nothing applied yet.
    expect((await history()).map((r) => r.revision)).toEqual([1]);
    expect(await written()).toHaveLength(1);

    // The table in force again changes nothing and opens nothing.
    const same = await server.api('PUT', CODES, { token: dana, body: FIRST });
    expect(same.status).toBe(200);
    expect(same.body).toMatchObject({ revision: 1, unchanged: true });
    // A second change waits for the first, and the refusal is audited.
    const again = await server.api('PUT', CODES, { body: { amount: 'Something else' } });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain(id);
    expect(again.body.error.details.changeRequestId).toBe(id);
    const refusals = await server.ctx.db
      .selectFrom('audit_log')
      .select('change')
      .where('action', '=', 'explanations.reason_codes_change_refused')
      .execute();
    expect(refusals.map((r) => JSON.parse(r.change).reason)).toEqual([again.body.error.message]);
    expect(await governanceRequests()).toEqual([{ id, status: 'requested' }]);

    // The author cannot approve their own change.
    const own = await server.api('POST', `/api/v1/change-requests/${id}/decisions`, {
      token: await server.tokenFor('dana', ['data-scientist', 'compliance']),
      body: { decision: 'approve', role: 'compliance' },
    });
    expect(own.status).toBe(403);
    // Nor can the version's author (admin registered it).
    const author = await server.api('POST', `/api/v1/change-requests/${id}/decisions`, {
      token: await server.tokenFor('admin', ['compliance']),
      body: { decision: 'approve', role: 'compliance' },
    });
    expect(author.status).toBe(403);
    expect(author.body.error.message).toContain('credit@1.0.0');
    expect((await history()).map((r) => r.revision)).toEqual([1]);

    const done = await approveAll(server, asked.body);
    expect(done.body.status).toBe('executed');
    const revisions = await history();
    expect(revisions.map((r) => r.revision)).toEqual([2, 1]);
    expect(revisions[0]).toMatchObject({ codes: SECOND, createdBy: 'dana', changeRequestId: id });
    expect(revisions[1]).toMatchObject({ codes: FIRST, changeRequestId: null });
    const audits = await written();
    expect(audits).toHaveLength(2);
    // Audited as the last approval's act, holding the replaced table and the request.
    expect(audits[1]!.actor).toMatch(/^approver-/);
    expect(audits[1]!.change).toMatchObject({
      revision: 2,
      previousRevision: 1,
      previous: FIRST,
      codes: SECOND,
      changeRequestId: id,
    });
  });

  it('leaves the table in force when the change is rejected, and takes a new change afterwards', async () => {
    expect((await server.api('PUT', CODES, { token: dana, body: FIRST })).status).toBe(200);
    expect((await promoteToProduction(server, 'credit', '1.0.0')).body.status).toBe('executed');
    const asked = await server.api('PUT', CODES, { token: dana, body: SECOND });
    expect(asked.status).toBe(202);
    const no = await server.api('POST', `/api/v1/change-requests/${asked.body.id as string}/decisions`, {
      token: await server.tokenFor('carla', ['compliance']),
      body: { decision: 'reject', role: 'compliance', comment: 'keep the notice wording' },
    });
    expect(no.body.status).toBe('rejected');
    const revisions = await history();
    expect(revisions).toHaveLength(1);
    expect(revisions[0]!.codes).toEqual(FIRST);
    expect(await written()).toHaveLength(1);
    const retried = await server.api('PUT', CODES, { token: dana, body: SECOND });
    expect(retried.status).toBe(202);
    expect(retried.body.id).not.toBe(asked.body.id);
  });

  it('refuses an unknown feature or an empty text by name and stores nothing, in any stage', async () => {
    const unknown = await server.api('PUT', CODES, { body: { amount: 'Amount', income: 'Income too low' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.field).toBe('income');
    for (const text of ['', '   ']) {
      const empty = await server.api('PUT', CODES, { body: { amount: 'Amount', age: text } });
      expect(empty.status).toBe(400);
      expect(empty.body.error.field).toBe('age');
    }
    expect((await promoteToProduction(server, 'credit', '1.0.0')).body.status).toBe('executed');
    const inProduction = await server.api('PUT', CODES, { body: { income: 'Income too low' } });
    expect(inProduction.status).toBe(400);
    expect(inProduction.body.error.field).toBe('income');
    expect(await server.ctx.db.selectFrom('reason_code_revisions').selectAll().execute()).toHaveLength(0);
    expect(await governanceRequests()).toHaveLength(0);
  });

  it('opens one request when two changes of a production version arrive at once; the other is 409 naming it', async () => {
    expect((await promoteToProduction(server, 'credit', '1.0.0')).body.status).toBe('executed');
    const [a, b] = await Promise.all([
      server.api('PUT', CODES, { token: dana, body: FIRST }),
      server.api('PUT', CODES, { body: SECOND }),
    ]);
    expect([a.status, b.status].sort()).toEqual([202, 409]);
    const [won, lost] = a.status === 202 ? [a, b] : [b, a];
    expect(lost.body.error.details.changeRequestId).toBe(won.body.id);
    expect(await governanceRequests()).toEqual([{ id: won.body.id, status: 'requested' }]);
    expect(await server.ctx.db.selectFrom('reason_code_revisions').selectAll().execute()).toHaveLength(0);
  });
});
