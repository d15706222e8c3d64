import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { check, registerModel } from '../alerts/alerting.test-helper.js';
import { applyChecksToIncidents } from '../incidents/incident.service.js';
import { describeInChromium, expectAccessible } from '../../test/support/dashboard-browser.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';

/** No wider than the screen: only the tables and the graph scroll inside their own boxes. */
const pageWidth = (p: Page) =>
  p.evaluate(
    () =>
      (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
        .documentElement.scrollWidth,
  );

/** The version, incident, policy and reports pages in Chromium, and the model page's lineage narrow and dark. */
describeInChromium('more dashboard pages in Chromium', (backend, b) => {
  let server: TestServer;
  let incident: string;
  let report: string;

  beforeAll(async () => {
    server = await startTestServer(backend);
    const model = await registerModel(server, 'credit-line', 2);
    expect(
      (
        await server.api('POST', '/api/v1/models/credit-line/versions', {
          body: versionBody('1.1.0', { metrics: { auc: 0.8312, accuracy: 0.9047 } }),
        })
      ).status,
    ).toBe(201);
    // A jailbreak-signal spike (50 in 1000 against a steady 10 in 1000) opens an incident.
    const opened = await server.ctx.db.transaction().execute((trx) =>
      applyChecksToIncidents(
        trx,
        server.ctx,
        {
          model,
          version: '1.0.0',
          checks: [
            check('safety_signal:jailbreak_attempt', 'alert', 120, {
              n: 1000,
              count: 50,
              value: 5,
              threshold: 5,
              exampleIds: ['r-1', 'r-2'],
            }),
          ],
          now: server.ctx.now(),
        },
        () => Promise.resolve(Array.from({ length: 6 }, () => ({ n: 1000, count: 10 }))),
      ),
    );
    expect(opened).toBe(1);
    incident = ((await server.api('GET', '/api/v1/incidents?model=credit-line')).body.items as any[])[0].id;
    const generated = await server.api('POST', '/api/v1/reports', {
      body: {
        kind: 'periodic',
        model: 'credit-line',
        from: '2026-01-01T00:00:00.000Z',
        to: new Date().toISOString(),
      },
    });
    expect(generated.status).toBe(201);
    report = generated.body.id as string;
  });
  afterAll(async () => {
    await server?.close();
  });

  const viewer = async (path: string, options: Parameters<typeof b.page>[0] = {}) =>
    b.signedIn(server.url, await server.tokenFor('vic', ['viewer']), path, options);

  it('the version page lists its metrics, integrity and change requests', async () => {
    const p = await viewer('/models/credit-line/versions/1.1.0');
    const metrics = p.getByRole('region', { name: 'Metrics', exact: true }).last();
    await metrics.getByRole('row', { name: /auc/ }).waitFor();
    expect((await metrics.getByRole('row').allInnerTexts()).slice(1).sort()).toEqual([
      'accuracy\t0.9047',
      'auc\t0.8312',
    ]);
    await p.getByRole('heading', { name: 'Integrity and signatures' }).waitFor();
    // The generated model card opens from the page, through the signed-in session.
    const card = await p.getByRole('link', { name: 'generated card (HTML)' }).getAttribute('href');
    const answer = await p.request.get(server.url + card!);
    expect(answer.status()).toBe(200);
    expect(answer.headers()['content-type']).toMatch(/^text\/html/);
    expect(await answer.text()).toContain('<h1>Model card: credit-line 1.1.0</h1>');
    await expectAccessible(p, 'version');
    await b.shot(p, 'version');
    const narrow = await viewer('/models/credit-line/versions/1.1.0', {
      width: 390,
      height: 800,
      colorScheme: 'dark',
    });
    await narrow.getByRole('heading', { name: 'Validation reports' }).waitFor();
    expect(await pageWidth(narrow)).toBeLessThanOrEqual(390);
    await expectAccessible(narrow, 'version dark 390');
    await b.shot(narrow, 'version-390-dark');
  });

  it('an operator opens the incident from the alerts page and acknowledges it', async () => {
    const ops = await b.signedIn(server.url, await server.tokenFor('otto', ['operations']), '/alerts');
    await ops.getByRole('link', { name: incident }).click();
    await ops.waitForURL(`**/incidents/${incident}`);
    await ops.getByRole('heading', { name: `Incident ${incident} open` }).waitFor();
    // The incident’s own evidence: 50/1000 = 0.05 against the baseline 60/6000 = 0.01.
    await ops.getByText('safety_signal:jailbreak_attempt').waitFor();
    await ops.getByText(/^0\.05 \(50 of 1000 records\) against 0\.01 over 6 windows$/).waitFor();
    await expectAccessible(ops, 'incident');
    await b.shot(ops, 'incident');
    await ops.getByLabel('Comment').fill('Rate-limiting the jailbreak source.');
    await ops.getByRole('button', { name: 'Acknowledge' }).click();
    await ops.getByRole('heading', { name: `Incident ${incident} acknowledged` }).waitFor();
    await ops.getByText('“Rate-limiting the jailbreak source.”').waitFor();
    const stored = (await server.api('GET', `/api/v1/incidents/${incident}`)).body;
    expect([stored.status, stored.acknowledgedBy]).toEqual(['acknowledged', 'otto']);
    await b.shot(ops, 'incident-acknowledged');
  });

  it('the policy page shows the version in force, its history and a comparison', async () => {
    const policy = (await server.api('GET', '/api/v1/policy')).body;
    const history = (await server.api('GET', '/api/v1/policy/versions?limit=100')).body.items as any[];
    const p = await viewer('/policy');
    await p.getByText(`Version ${policy.version} in force since`).waitFor();
    const rows = p.getByRole('region', { name: 'Policy history' }).getByRole('row');
    await expect.poll(() => rows.count()).toBe(1 + history.length);
    await p.getByLabel('From', { exact: true }).selectOption(String(policy.version));
    await p.getByLabel('To', { exact: true }).selectOption(String(policy.version));
    await p.getByText('The two documents are the same.').waitFor();
    await expectAccessible(p, 'policy');
    await b.shot(p, 'policy');
    const narrow = await viewer('/policy', { width: 390, height: 800, colorScheme: 'dark' });
    await narrow.getByRole('heading', { name: 'Current document' }).waitFor();
    expect(await pageWidth(narrow)).toBeLessThanOrEqual(390);
    await expectAccessible(narrow, 'policy dark 390');
    await b.shot(narrow, 'policy-390-dark');
  });

  it('the reports page lists the stored report with its downloads', async () => {
    const p = await viewer('/reports');
    const row = p.getByRole('row', { name: new RegExp(report) });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/periodic\s+credit-line/);
    const html = await row.getByRole('link', { name: 'HTML' }).getAttribute('href');
    const answer = await p.request.get(server.url + html!);
    expect(answer.status()).toBe(200);
    expect(answer.headers()['content-type']).toMatch(/^text\/html/);
    await expectAccessible(p, 'reports');
    await b.shot(p, 'reports');
  });

  it('the model page shows what the policy in force requires of its tier', async () => {
    const p = await viewer('/models/credit-line');
    const section = p.getByRole('region', { name: 'Tier 2 policy', exact: true });
    const approvals = section.getByRole('region', { name: 'Approvals per transition' });
    await approvals.getByRole('row').first().waitFor();
    // The default policy's tier 2 (docs/policy.md): one ml-engineer to staging, the ML lead and a
    // business stakeholder to approve, business owner and ml-engineer to retire.
    expect(await approvals.getByRole('row').allInnerTexts()).toEqual([
      'Transition\tApprovals',
      'development → staging\t1 ml-engineer',
      'staging → approved\t1 ml-engineer (ML Lead), 1 business-owner (Business stakeholder)',
      'approved → production\tnone',
      'production → deprecated\t1 business-owner, 1 ml-engineer',
      'deprecated → archived\tnone',
    ]);
    const facts = await section.locator('dl.facts').innerText();
    expect(facts).toContain('initial: full · major: full · minor: regression · patch: smoke');
    expect(facts).toContain('audit trail 3 years; raw records 1096 days');
    expect(facts).toContain("60 days' notice to consumers; needs approval; artifact kept");
    await expectAccessible(p, 'model with tier policy');
    await b.shot(p, 'model-tier-policy');
  });

  it('the model page’s lineage graph reads at 390 pixels wide in the dark', async () => {
    const p = await viewer('/models/credit-line', { width: 390, height: 800, colorScheme: 'dark' });
    const graph = p.locator('svg.lineage-graph');
    await graph.waitFor();
    expect(await graph.locator('rect.node').count()).toBe(3); // one dataset (by SHA-256), two versions
    expect(await pageWidth(p)).toBeLessThanOrEqual(390);
    // The graph keeps its labels legible and scrolls sideways inside its own box.
    const box = await p
      .getByRole('region', { name: 'Lineage graph' })
      .evaluate((el) => [el.scrollWidth, el.clientWidth]);
    expect(box[0]).toBeGreaterThan(box[1]);
    await expectAccessible(p, 'model dark 390');
    await b.shot(p, 'model-390-dark');
  });
});
