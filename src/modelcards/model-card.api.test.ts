import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startWorkflowHarness, type WorkflowHarness } from '../workflow/workflow.test-helper.js';
import { runValidationSuite } from '../validation/index.js';
import { raiseCardReminders } from './model-card-reminder.task.js';

const UPLOADED = `# Credit scoring card

## Intended use
Scores retail loan applications for default risk.

## Out-of-scope uses
Not for small-business lending.

## Notes
Anything else stays out of the human sections.
`;

describeEachBackend('model cards', (backend) => {
  let h: WorkflowHarness;
  const base = '/api/v1/models/credit/versions/1.0.0/model-card';
  beforeAll(async () => {
    h = await startWorkflowHarness(backend);
    await h.createModel('credit', 1, { team: 'risk' });
    await h.createVersion('credit', '1.0.0', {
      metrics: { accuracy: 0.91, brier: 0.08 },
      segmentMetrics: { 'region=eu': { accuracy: 0.9 }, 'region=us': { accuracy: 0.92 } },
    });
  });
  afterAll(() => h.s.close());

  it('generates every section from records, says which have no data, and lists required gaps', async () => {
    const card = await h.s.api('GET', base);
    expect(card.status).toBe(200);
    expect(card.body.kind).toBe('model-card');
    const byId = Object.fromEntries(card.body.sections.map((s: { id: string }) => [s.id, s]));
    expect(byId.modelDetails.status).toBe('present');
    expect(JSON.stringify(byId.modelDetails.tables)).toContain('"olivia"');
    expect(JSON.stringify(byId.trainingData.tables)).toContain('a'.repeat(64));
    expect(byId.metrics.tables[1].rows).toEqual([
      ['region=eu', '0.9'],
      ['region=us', '0.92'],
    ]);
    expect(byId.calibration.status).toBe('present');
    expect(byId.validation.status).toBe('no-data');
    expect(byId.deployments.status).toBe('no-data');
    expect(byId.limitations.status).toBe('missing');
    expect(byId.incidents.paragraphs).toEqual(['No open alerts or incidents.']);
    // Tier 1's template requires every section; the gate judges only those that exist before promotion.
    expect(card.body.gaps).toEqual([
      'intendedUse',
      'features',
      'fairness',
      'validation',
      'approvals',
      'deployments',
      'monitoring',
      'limitations',
      'ethicalConsiderations',
    ]);
    expect(card.body.gateGaps).toEqual(['intendedUse', 'features', 'limitations', 'ethicalConsiderations']);
  });

  it('takes human sections from the uploaded card, then from API revisions with their author and history', async () => {
    const put = await fetch(`${h.s.url}${base}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${h.s.adminToken}`, 'content-type': 'text/markdown' },
      body: UPLOADED,
    });
    expect(put.status).toBe(200);
    let card = (await h.s.api('GET', base)).body;
    const intended = card.sections.find((s: { id: string }) => s.id === 'intendedUse');
    expect(intended.paragraphs[0]).toBe(
      'Scores retail loan applications for default risk.\n\nOut-of-scope uses\nNot for small-business lending.',
    );
    expect(intended.authorship).toMatchObject({ writtenBy: 'admin', source: 'uploaded model card' });

    const dana = await h.as('dana', ['data-scientist']);
    h.clock.now = new Date('2026-03-03T10:00:00.000Z');
    for (const text of [
      'Thin-file applicants score poorly.',
      'Thin-file applicants (< 6 months) score poorly.',
    ]) {
      const w = await h.s.api('PUT', `${base}/sections/limitations`, { token: dana, body: { text } });
      expect(w.status).toBe(200);
    }
    card = (await h.s.api('GET', base)).body;
    const limitations = card.sections.find((s: { id: string }) => s.id === 'limitations');
    expect(limitations.paragraphs).toEqual(['Thin-file applicants (< 6 months) score poorly.']);
    expect(limitations.authorship).toEqual({
      writtenBy: 'dana',
      writtenAt: '2026-03-03T10:00:00.000Z',
      source: 'model-card API',
      revision: 2,
    });
    const history = await h.s.api('GET', `${base}/history`);
    expect(history.body.items.map((r: { revision: number }) => r.revision)).toEqual([1, 2]);
    expect(await h.auditCount('model_card.section_written', 'model:credit@1.0.0')).toBe(2);

    const viewer = await h.as('vera', ['viewer']);
    const refused = await h.s.api('PUT', `${base}/sections/limitations`, {
      token: viewer,
      body: { text: 'x' },
    });
    expect(refused.status).toBe(403);
    const unknown = await h.s.api('PUT', `${base}/sections/purpose`, { body: { text: 'x' } });
    expect(unknown.status).toBe(400);
    const empty = await h.s.api('PUT', `${base}/sections/limitations`, { body: { text: '  ' } });
    expect(empty.status).toBe(400);
    expect(empty.body.error.field).toBe('text');
  });

  it('answers Markdown and HTML by ?format= or Accept, and refuses an unknown format naming the field', async () => {
    const md = await fetch(`${h.s.url}${base}?format=md`, {
      headers: { authorization: `Bearer ${h.s.adminToken}` },
    });
    expect(md.headers.get('content-type')).toContain('text/markdown');
    const text = await md.text();
    expect(text).toContain('# Model card: credit 1.0.0');
    expect(text).toContain('## Known limitations');
    expect(text).toContain('_Written by dana at 2026-03-03T10:00:00.000Z (model-card API, revision 2)._');
    const html = await fetch(`${h.s.url}${base}`, {
      headers: { authorization: `Bearer ${h.s.adminToken}`, accept: 'text/html' },
    });
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(await html.text()).toContain('<h1>Model card: credit 1.0.0</h1>');
    const bad = await h.s.api('GET', `${base}?format=pdf`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('format');
  });

  it('raises one review reminder once a live card is older than the tier review period (90 days for tier 1)', async () => {
    await h.s.ctx.db.updateTable('model_versions').set({ stage: 'production' }).execute();
    h.clock.now = new Date('2026-05-30T10:00:00.000Z'); // 88 days after the last write
    expect(await raiseCardReminders(h.s.ctx)).toBe(0);
    h.clock.now = new Date('2026-06-02T10:00:00.000Z'); // 91 days
    expect(await raiseCardReminders(h.s.ctx)).toBe(1);
    expect(await raiseCardReminders(h.s.ctx)).toBe(0);
    const entries = await h.s.api('GET', '/api/v1/audit?action=model_card.review_due');
    expect(entries.body.items[0].change).toMatchObject({ dueAt: '2026-06-01T10:00:00.000Z', reviewDays: 90 });
    const card = (await h.s.api('GET', base)).body;
    expect(card.review).toMatchObject({ overdue: true, dueAt: '2026-06-01T10:00:00.000Z' });
  });

  it('the gate check model-card.complete fails naming the missing sections and passes without gaps', () => {
    const req = { name: 'model-card.complete' as const, rule: 'tiers.1.documentation', threshold: {} };
    const input = { requirements: [req], modelCardGaps: ['ethicalConsiderations'] } as never;
    const failed = runValidationSuite(input);
    expect(failed.passed).toBe(false);
    expect(failed.checks[0]!.detail).toContain('ethicalConsiderations');
    const passed = runValidationSuite({ requirements: [req], modelCardGaps: [] } as never);
    expect(passed.passed).toBe(true);
  });
});
