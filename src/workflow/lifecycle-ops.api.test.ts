import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { deliverDueWebhooks } from '../webhooks/index.js';
import { startReceiver } from '../webhooks/webhook-receiver.test-helper.js';
import { archiveDueRetirements } from './retirement.js';
import { startWorkflowHarness, type WorkflowHarness } from './workflow.test-helper.js';

const DAY = 86_400_000;

describeEachBackend('rollback, retirement, policy changes and concurrent decisions', (backend) => {
  let h: WorkflowHarness;
  beforeAll(async () => {
    h = await startWorkflowHarness(backend);
  });
  afterAll(() => h.s.close());

  const decide = async (token: string, id: string, role: string, decision = 'approve') =>
    h.s.api('POST', `/api/v1/change-requests/${id}/decisions`, { token, body: { decision, role } });

  /** Puts a tier-3 version into production through the real workflow (two approvals, full run). */
  async function promoteTier3(
    model: string,
    version: string,
    level: 'full' | 'regression' | 'smoke' = 'full',
  ) {
    const dana = await h.as('dana', ['data-scientist']);
    const peer = await h.as('pete', ['data-scientist']);
    const eng = await h.as('eve', ['ml-engineer']);
    const staged = await h.s.api('POST', `/api/v1/models/${model}/versions/${version}/transitions`, {
      token: dana,
      body: { to: 'staging', reason: 'review' },
    });
    await decide(peer, staged.body.id, 'data-scientist');
    const run = await h.storeRun(model, version, level, true);
    const cr = await h.s.api('POST', `/api/v1/models/${model}/versions/${version}/transitions`, {
      token: dana,
      body: { to: 'production', reason: 'release', evidence: [run] },
    });
    await decide(peer, cr.body.id, 'data-scientist');
    const done = await decide(eng, cr.body.id, 'ml-engineer');
    return done.body;
  }

  it('supersedes the champion on promotion and rolls back in one call', async () => {
    await h.createModel('search-rank', 3);
    await h.createVersion('search-rank', '1.0.0');
    await h.createVersion('search-rank', '1.1.0');
    const mlops = await h.as('mo', ['mlops']);
    const noRollback = await h.s.api('POST', '/api/v1/models/search-rank/rollback', {
      token: mlops,
      body: { reason: 'nothing to roll back to' },
    });
    expect(noRollback.status).toBe(409);
    expect((await promoteTier3('search-rank', '1.0.0')).status).toBe('executed');

    // 1.1.0 is a minor bump: a regression run is required and a smoke run does not do.
    const smoke = await h.storeRun('search-rank', '1.1.0', 'smoke', true);
    const preview = await h.s.api(
      'GET',
      `/api/v1/models/search-rank/versions/1.1.0/transitions/preview?to=production&evidence=${smoke}`,
    );
    expect(preview.body).toMatchObject({
      bump: 'minor',
      requiredValidationLevel: 'regression',
      champion: '1.0.0',
    });
    expect(preview.body.missingEvidence[0].message).toMatch(/only smoke/);
    // The model has a champion: the approved request waits for a rollout, whose success executes it.
    const waiting = await promoteTier3('search-rank', '1.1.0', 'regression');
    expect(waiting.status).toBe('approved');
    const rollout = await h.s.api('POST', '/api/v1/models/search-rank/rollouts', {
      token: mlops,
      body: { candidate: '1.1.0', strategy: 'canary' },
    });
    expect(rollout.status).toBe(201);
    // The tier's steps 10 → 25 → 50 → 100: three promotions and the completing one.
    for (const _ of [1, 2, 3, 4]) {
      const promoted = await h.s.api(
        'POST',
        `/api/v1/models/search-rank/rollouts/${rollout.body.id}/promote`,
        {
          token: mlops,
          body: {},
        },
      );
      expect(promoted.status).toBe(200);
    }
    const request = await h.s.api('GET', `/api/v1/change-requests/${waiting.id}`);
    expect(request.body.status).toBe('executed');
    let model = (await h.s.api('GET', '/api/v1/models/search-rank')).body;
    expect([model.championVersion, model.previousChampionVersion]).toEqual(['1.1.0', '1.0.0']);
    expect(await h.stage('search-rank', '1.0.0')).toBe('deprecated');

    const engineer = await h.as('eve', ['ml-engineer']);
    const refused = await h.s.api('POST', '/api/v1/models/search-rank/rollback', {
      token: engineer,
      body: { reason: 'latency' },
    });
    expect(refused.status).toBe(403);
    const rolled = await h.s.api('POST', '/api/v1/models/search-rank/rollback', {
      token: mlops,
      body: { reason: 'p95 latency doubled' },
    });
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({
      rolledBackVersion: '1.1.0',
      restoredVersion: '1.0.0',
      reviewRequest: null,
    });
    model = (await h.s.api('GET', '/api/v1/models/search-rank')).body;
    expect([model.championVersion, model.previousChampionVersion]).toEqual(['1.0.0', null]);
    expect(await h.stage('search-rank', '1.1.0')).toBe('deprecated');
    expect(await h.stage('search-rank', '1.0.0')).toBe('production');
    expect(await h.auditCount('model.rolled_back', 'model:search-rank')).toBe(1);
    const again = await h.s.api('POST', '/api/v1/models/search-rank/rollback', {
      token: mlops,
      body: { reason: 'again' },
    });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/no previous champion/);
  });

  it('lets the roles the policy names for the tier roll back: a data scientist on tier 4', async () => {
    await h.createModel('playground', 4);
    const dana = await h.as('dana', ['data-scientist']);
    const peer = await h.as('pete', ['data-scientist']);
    for (const version of ['0.1.0', '0.2.0']) {
      await h.createVersion('playground', version);
      const base = `/api/v1/models/playground/versions/${version}/transitions`;
      await h.s.api('POST', base, { token: dana, body: { to: 'staging', reason: 'try it' } });
      const run = await h.storeRun('playground', version, 'smoke', true);
      const cr = await h.s.api('POST', base, {
        token: dana,
        body: { to: 'production', reason: 'ship', evidence: [run] },
      });
      expect((await decide(peer, cr.body.id, 'data-scientist')).body.status).toBe('executed');
    }
    const engineer = await h.as('eve', ['ml-engineer']);
    const refused = await h.s.api('POST', '/api/v1/models/playground/rollback', {
      token: engineer,
      body: { reason: 'worse' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe(
      'rolling back a tier-4 model needs one of the roles mlops, operations, data-scientist; eve holds ml-engineer',
    );
    // refused by the policy inside the handler, and audited like a refusal at the route
    const denied = await h.s.ctx.db
      .selectFrom('audit_log')
      .select(['actor', 'subject', 'change'])
      .where('action', '=', 'access.denied')
      .where('actor', '=', 'eve')
      .where('change', 'like', '%/models/playground/rollback%')
      .execute();
    expect(denied).toHaveLength(1);
    expect(denied[0]!.actor).toBe('eve');
    expect(denied[0]!.subject).toBe('route:POST /api/v1/models/{name}/rollback');
    expect(JSON.parse(denied[0]!.change)).toMatchObject({
      code: 'forbidden',
      path: '/api/v1/models/playground/rollback',
    });
    const rolled = await h.s.api('POST', '/api/v1/models/playground/rollback', {
      token: peer,
      body: { reason: 'click-through fell' },
    });
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({ rolledBackVersion: '0.2.0', restoredVersion: '0.1.0' });
    expect(await h.stage('playground', '0.1.0')).toBe('production');
  });

  it('opens a review after the fact when a tier-1 rollback needs one, and notifies subscribers', async () => {
    const receiver = await startReceiver();
    try {
      await h.s.api('POST', '/api/v1/webhooks', {
        body: { url: receiver.url, events: ['model.rolled_back'], secret: 'a-long-enough-secret' },
      });
      await h.createModel('limits', 1);
      await h.createVersion('limits', '1.0.0');
      await h.createVersion('limits', '1.0.1');
      const limitsId = (await h.s.api('GET', '/api/v1/models/limits')).body.id as string;
      const ids = await h.s.ctx.db
        .selectFrom('model_versions')
        .select(['id', 'version'])
        .where('model_id', '=', limitsId)
        .execute();
      const byVersion = Object.fromEntries(ids.map((r) => [r.version, r.id]));
      // A champion and its predecessor, set directly: this test is about the rollback.
      await h.s.ctx.db
        .updateTable('model_versions')
        .set({ stage: 'deprecated' })
        .where('id', '=', byVersion['1.0.0']!)
        .execute();
      await h.s.ctx.db
        .updateTable('model_versions')
        .set({ stage: 'production' })
        .where('id', '=', byVersion['1.0.1']!)
        .execute();
      await h.s.ctx.db
        .updateTable('models')
        .set({ champion_version_id: byVersion['1.0.1']!, previous_champion_version_id: byVersion['1.0.0']! })
        .where('id', '=', limitsId)
        .execute();
      const ops = await h.as('opal', ['operations']);
      const rolled = await h.s.api('POST', '/api/v1/models/limits/rollback', {
        token: ops,
        body: { reason: 'bad scores' },
      });
      expect(rolled.status).toBe(200);
      expect(rolled.body.reviewRequest).toMatchObject({
        kind: 'rollback_review',
        status: 'requested',
        version: '1.0.0',
      });
      expect(rolled.body.reviewRequest.required.map((r: { role: string }) => r.role)).toContain(
        'review-board',
      );
      await deliverDueWebhooks(h.s.ctx);
      expect(receiver.received).toHaveLength(1);
      expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({
        type: 'model.rolled_back',
        data: { restoredVersion: '1.0.0', rolledBackVersion: '1.0.1' },
      });
    } finally {
      await receiver.close();
    }
  });

  it('retires a tier-3 version: impact, consumer notices, grace period, then archive', async () => {
    const receiver = await startReceiver([503, 200]);
    try {
      // Two catalog features: one only this model uses, one shared with another model.
      const now = h.clock.now.toISOString();
      for (const name of ['query_len', 'click_rate'])
        await h.s.ctx.db
          .insertInto('features')
          .values({
            id: `feat_${name}`,
            name,
            owner: 'fiona',
            type: 'number',
            description: null,
            source: null,
            refresh_cadence: null,
            freshness_sla: null,
            completeness_sla: null,
            semver: '1.0.0',
            status: 'active',
            deprecated_at: null,
            pii_findings: '[]',
            created_at: now,
            created_by: 'fiona',
            updated_at: now,
          })
          .execute();
      await h.createModel('autocomplete', 3, {
        consumers: [
          { name: 'search-ui', contact: 'team-ui', webhookUrl: receiver.url },
          { name: 'analytics', contact: 'team-bi' },
        ],
      });
      await h.createVersion('autocomplete', '1.0.0', { features: ['query_len', 'click_rate'] });
      await h.createModel('ads-ranker', 3);
      await h.createVersion('ads-ranker', '1.0.0', { features: ['click_rate'] });
      expect((await promoteTier3('autocomplete', '1.0.0')).status).toBe('executed');

      const notInService = await h.s.api('POST', '/api/v1/models/ads-ranker/versions/1.0.0/retire', {
        body: { reason: 'never shipped' },
      });
      expect(notInService.status).toBe(409);
      expect(notInService.body.error.code).toBe('invalid_transition');

      const retired = await h.s.api('POST', '/api/v1/models/autocomplete/versions/1.0.0/retire', {
        body: { reason: 'replaced by the vendor service' },
      });
      expect(retired.status).toBe(201);
      expect(retired.body.status).toBe('announced');
      const impact = retired.body.impact;
      expect(impact.consumers.map((c: { name: string }) => c.name)).toEqual(['search-ui', 'analytics']);
      expect(impact.featuresUsedOnlyHere).toEqual(['query_len']);
      expect(impact.deployments).toMatchObject({ recorded: true, items: [] });
      expect(impact.graceDays).toBe(30);
      const archiveAfter = new Date(h.clock.now.getTime() + 30 * DAY).toISOString();
      expect(impact.archiveAfter).toBe(archiveAfter);
      expect(await h.stage('autocomplete', '1.0.0')).toBe('deprecated');
      expect((await h.s.api('GET', '/api/v1/models/autocomplete')).body.championVersion).toBeNull();
      expect(await h.auditCount('retirement.consumer_notified', 'model:autocomplete')).toBe(2);
      const twice = await h.s.api('POST', '/api/v1/models/autocomplete/versions/1.0.0/retire', {
        body: { reason: 'again' },
      });
      expect(twice.status).toBe(409);

      // The consumer's endpoint is down at first; the notice is retried, the retirement stands.
      await deliverDueWebhooks(h.s.ctx);
      expect(receiver.received).toHaveLength(1);
      const saved = h.clock.now;
      h.clock.now = new Date(saved.getTime() + 60_000);
      await deliverDueWebhooks(h.s.ctx);
      h.clock.now = saved;
      expect(receiver.received).toHaveLength(2);
      expect(JSON.parse(receiver.received[1]!.body)).toMatchObject({
        type: 'retirement.announced',
        data: {
          consumer: 'search-ui',
          versions: ['1.0.0'],
          archiveAfter,
          // The consumer learns the whole impact: what else is affected and where to move.
          impact: {
            scope: 'version',
            consumers: [
              { name: 'search-ui', contact: 'team-ui' },
              { name: 'analytics', contact: 'team-bi' },
            ],
            deployments: { recorded: true, items: [] },
            featuresUsedOnlyHere: ['query_len'],
            replacementVersion: null,
            graceDays: 30,
          },
        },
      });
      // Other consumers' endpoints are not handed round.
      expect(receiver.received[1]!.body).not.toContain('webhookUrl');

      const early = await h.s.api('POST', '/api/v1/models/autocomplete/versions/1.0.0/transitions', {
        token: await h.as('dana', ['data-scientist']),
        body: { to: 'archived', reason: 'tidy up' },
      });
      expect(early.status).toBe(409);
      expect(early.body.error.message).toContain(archiveAfter);
      expect(await archiveDueRetirements(h.s.ctx)).toBe(0);

      h.clock.now = new Date(saved.getTime() + 31 * DAY);
      try {
        expect(await archiveDueRetirements(h.s.ctx)).toBe(1);
      } finally {
        h.clock.now = saved;
      }
      const archived = (await h.s.api('GET', '/api/v1/models/autocomplete/versions/1.0.0')).body;
      expect(archived.stage).toBe('archived');
      expect(archived.tags['artifact-status']).toBe('archived'); // tier 3 marks the artifact
      expect(archived.lineage.datasets).toHaveLength(1); // metadata and lineage kept
      expect(await h.auditCount('version.archived', 'model:autocomplete@1.0.0')).toBe(1);
    } finally {
      await receiver.close();
    }
  });

  it('takes as replacement only a version in staging, approved or production, and says so', async () => {
    await h.createModel('summarizer', 3);
    for (const v of ['1.0.0', '1.1.0', '1.2.0', '1.3.0', '1.4.0']) await h.createVersion('summarizer', v);
    expect((await promoteTier3('summarizer', '1.0.0')).status).toBe('executed');
    const modelId = (await h.s.api('GET', '/api/v1/models/summarizer')).body.id as string;
    const setStage = (version: string, stage: string) =>
      h.s.ctx.db
        .updateTable('model_versions')
        .set({ stage })
        .where('model_id', '=', modelId)
        .where('version', '=', version)
        .execute();
    await setStage('1.2.0', 'rejected');
    await setStage('1.3.0', 'archived');
    await setStage('1.4.0', 'staging');
    const retire = (replacementVersion: string) =>
      h.s.api('POST', '/api/v1/models/summarizer/versions/1.0.0/retire', {
        body: { reason: 'superseded', replacementVersion },
      });
    for (const [version, stage] of [
      ['1.1.0', 'development'],
      ['1.2.0', 'rejected'],
      ['1.3.0', 'archived'],
    ] as const) {
      const refused = await retire(version);
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'conflict', field: 'replacementVersion' });
      expect(refused.body.error.message).toBe(
        `replacementVersion: summarizer@${version} is in ${stage}; a replacement must be in staging, approved, production`,
      );
    }
    expect((await retire('1.0.0')).body.error.field).toBe('replacementVersion'); // itself
    // Nothing moved and nothing was announced.
    expect(await h.stage('summarizer', '1.0.0')).toBe('production');
    expect(await h.auditCount('retirement.announced', 'model:summarizer')).toBe(0);

    const ok = await retire('1.4.0');
    expect(ok.status).toBe(201);
    expect(ok.body.impact.replacementVersion).toBe('1.4.0');
    const event = await h.s.ctx.db
      .selectFrom('audit_log')
      .select('change')
      .where('action', '=', 'retirement.announced')
      .where('subject', '=', 'model:summarizer')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(event.change)).toMatchObject({ replacementVersion: '1.4.0' });
  });

  it('refuses to announce an approved retirement whose replacement has since been rejected', async () => {
    await h.createModel('pricing', 2);
    await h.createVersion('pricing', '1.0.0');
    await h.createVersion('pricing', '2.0.0');
    const modelId = (await h.s.api('GET', '/api/v1/models/pricing')).body.id as string;
    const setStage = (version: string, stage: string) =>
      h.s.ctx.db
        .updateTable('model_versions')
        .set({ stage })
        .where('model_id', '=', modelId)
        .where('version', '=', version)
        .execute();
    await setStage('1.0.0', 'production');
    await setStage('2.0.0', 'staging');
    const owner = await h.as('olga', ['business-owner']);
    const asked = await h.s.api('POST', '/api/v1/models/pricing/versions/1.0.0/retire', {
      token: owner,
      body: { reason: 'moving to 2.0.0', replacementVersion: '2.0.0' },
    });
    expect(asked.body.status).toBe('awaiting_approval');
    const id = asked.body.changeRequest.id as string;
    await decide(await h.as('eve', ['ml-engineer']), id, 'ml-engineer');
    await setStage('2.0.0', 'rejected');
    const last = await decide(await h.as('otto', ['business-owner']), id, 'business-owner');
    expect(last.status).toBe(409);
    expect(last.body.error.field).toBe('replacementVersion');
    expect(await h.stage('pricing', '1.0.0')).toBe('production');
    expect((await h.s.api('GET', `/api/v1/change-requests/${id}`)).body.status).toBe('in_review');
  });

  it('needs approval to retire a tier-1 model', async () => {
    await h.createModel('kyc', 1, { consumers: [{ name: 'onboarding' }] });
    await h.createVersion('kyc', '1.0.0');
    const kycId = (await h.s.api('GET', '/api/v1/models/kyc')).body.id as string;
    const v = await h.s.ctx.db
      .selectFrom('model_versions')
      .select('id')
      .where('model_id', '=', kycId)
      .executeTakeFirstOrThrow();
    await h.s.ctx.db
      .updateTable('model_versions')
      .set({ stage: 'production' })
      .where('id', '=', v.id)
      .execute();
    await h.s.ctx.db
      .updateTable('models')
      .set({ champion_version_id: v.id })
      .where('id', '=', kycId)
      .execute();
    const owner = await h.as('olga', ['business-owner']);
    const res = await h.s.api('POST', '/api/v1/models/kyc/retire', {
      token: owner,
      body: { reason: 'product closed' },
    });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe('awaiting_approval');
    expect(res.body.changeRequest.kind).toBe('retirement');
    expect(res.body.changeRequest.required.map((r: { role: string }) => r.role).sort()).toEqual([
      'business-owner',
      'compliance',
    ]);
    expect(await h.stage('kyc', '1.0.0')).toBe('production');
    const id = res.body.changeRequest.id as string;
    expect((await decide(owner, id, 'business-owner')).status).toBe(403); // the requester
    await decide(await h.as('otto', ['business-owner']), id, 'business-owner');
    const done = await decide(await h.as('cora', ['compliance']), id, 'compliance');
    expect(done.body.status).toBe('executed');
    expect(await h.stage('kyc', '1.0.0')).toBe('deprecated');
    expect(await h.auditCount('retirement.consumer_notified', 'model:kyc')).toBe(1);
  });

  it('changes the policy only after admin and compliance approve', async () => {
    const current = (await h.s.api('GET', '/api/v1/policy')).body;
    const document = structuredClone(current.document);
    document.tiers['3'].approvals['development->staging'] = [{ role: 'ml-engineer', count: 1 }];
    const bad = await h.s.api('POST', '/api/v1/policy/proposals', {
      body: {
        document: { ...document, tiers: { ...document.tiers, '3': { label: 'x' } } },
        reason: 'broken',
      },
    });
    expect(bad.status).toBe(400);
    const nonAdmin = await h.s.api('POST', '/api/v1/policy/proposals', {
      token: await h.as('cora', ['compliance']),
      body: { document, reason: 'tighten tier 3' },
    });
    expect(nonAdmin.status).toBe(403);
    const proposed = await h.s.api('POST', '/api/v1/policy/proposals', {
      body: { document, reason: 'tighten tier 3' },
    });
    expect(proposed.status).toBe(201);
    expect(proposed.body.kind).toBe('policy');
    expect(proposed.body.required.map((r: { role: string; count: number }) => [r.role, r.count])).toEqual([
      ['admin', 1],
      ['compliance', 1],
    ]);
    const id = proposed.body.id as string;
    expect((await decide(h.s.adminToken, id, 'admin')).status).toBe(403); // the requester
    const adminTwo = await h.as('ada', ['admin']);
    expect((await decide(adminTwo, id, 'compliance')).status).toBe(403); // admin is not compliance
    expect((await decide(adminTwo, id, 'admin')).body.status).toBe('in_review');
    expect((await h.s.api('GET', '/api/v1/policy')).body.version).toBe(current.version);
    const done = await decide(await h.as('cora', ['compliance']), id, 'compliance');
    expect(done.body.status).toBe('executed');
    const after = (await h.s.api('GET', '/api/v1/policy')).body;
    expect(after.version).toBe(current.version + 1);
    expect(after.document.tiers['3'].approvals['development->staging']).toEqual([
      { role: 'ml-engineer', count: 1 },
    ]);
  });

  it('executes a request exactly once when every approval arrives at the same moment', async () => {
    await h.createModel('race', 1);
    await h.createVersion('race', '1.0.0');
    const raceId = (await h.s.api('GET', '/api/v1/models/race')).body.id as string;
    await h.s.ctx.db
      .updateTable('model_versions')
      .set({ stage: 'staging' })
      .where('model_id', '=', raceId)
      .execute();
    const run = await h.storeRun('race', '1.0.0', 'full', true);
    const dana = await h.as('dana', ['data-scientist']);
    const cr = await h.s.api('POST', '/api/v1/models/race/versions/1.0.0/transitions', {
      token: dana,
      body: { to: 'production', reason: 'go', evidence: [run] },
    });
    const id = cr.body.id as string;
    const deciders: Array<[string, string]> = [
      ...['r1', 'r2', 'r3', 'r4', 'r5'].map((p): [string, string] => [p, 'review-board']),
      ['c1', 'compliance'],
      ['l1', 'legal'],
      ['o1', 'business-owner'],
    ];
    const tokens = await Promise.all(deciders.map(([p, role]) => h.as(p, [role as 'legal'])));
    // The same principal twice as well: one of the two must be refused.
    const results = await Promise.all([
      ...deciders.map(([, role], i) => decide(tokens[i]!, id, role)),
      decide(tokens[0]!, id, 'review-board'),
    ]);
    const statuses = results.map((r) => r.status);
    // 9 attempts for 8 votes (the board is 4 of 5): the repeat is always refused; the fifth board
    // member's vote is recorded when it arrives before the request executes, refused after.
    const recorded = statuses.filter((s) => s === 200).length;
    expect([7, 8]).toContain(recorded);
    expect(statuses.filter((s) => s === 409)).toHaveLength(9 - recorded);
    const final = (await h.s.api('GET', `/api/v1/change-requests/${id}`)).body;
    expect(final.status).toBe('executed');
    expect(final.decisions).toHaveLength(recorded);
    // One principal, one vote: r1 voted twice at once, and whichever board vote came after the
    // request executed (r1's too, when it was late) was refused, so no principal appears twice.
    const principals = final.decisions.map((d: { principal: string }) => d.principal);
    expect(new Set(principals).size).toBe(principals.length);
    expect(await h.auditCount('change_request.executed', `change_request:${id}`)).toBe(1);
    expect(await h.auditCount('model.promoted', 'model:race')).toBe(1);
    expect(await h.auditCount('change_request.decided', `change_request:${id}`)).toBe(recorded);
    expect(await h.stage('race', '1.0.0')).toBe('production');
  });
});
