import { afterAll, beforeAll, expect, it } from 'vitest';
import { features, post, registerMonitoredModel, seeded } from '../monitoring/monitoring.test-helper.js';
import { describeInChromium, expectAccessible } from '../../test/support/dashboard-browser.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';

/**
 * Deciding from the dashboard, in headless Chromium against a real server: two principals approve
 * a change request from its page, an operator acknowledges a drift alert raised by ingested data,
 * an auditor reads and verifies the audit trail, and a viewer can neither see an approve button
 * nor approve through the API.
 */
describeInChromium('deciding from the dashboard in Chromium', (backend, b) => {
  let server: TestServer;
  /** The server's clock runs this far ahead of the browser's: moved forward to expire sessions. */
  let aheadMs = 0;
  let promotion: string;
  let second: string;

  beforeAll(async () => {
    server = await startTestServer(backend, { now: () => new Date(Date.now() + aheadMs) });

    // A tier-1 model: development → staging needs one ml-engineer and one validator (default policy).
    for (const name of ['credit-default', 'credit-limit']) {
      expect(
        (
          await server.api('POST', '/api/v1/models', {
            body: { name, owner: 'dana', team: 'risk', riskTier: 1, description: 'Probability of default' },
          })
        ).status,
      ).toBe(201);
      expect(
        (await server.api('POST', `/api/v1/models/${name}/versions`, { body: versionBody('1.0.0') })).status,
      ).toBe(201);
    }
    const dana = await server.tokenFor('dana', ['data-scientist', 'validator']);
    const open = async (model: string) => {
      const res = await server.api('POST', `/api/v1/models/${model}/versions/1.0.0/transitions`, {
        token: dana,
        body: { to: 'staging', reason: 'Backtest complete; ready for staging' },
      });
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    promotion = await open('credit-default');
    second = await open('credit-limit');

    // A monitored model whose production traffic drifts: `amount` moves from mean 100 to 130.
    await registerMonitoredModel(server, 'card-fraud', { riskTier: 1 });
    const rng = seeded(5);
    const V = '/api/v1/models/card-fraud/versions/1.0.0';
    await post(
      server,
      `${V}/reference`,
      Array.from({ length: 2000 }, (_, i) => ({ features: features(rng), prediction: i % 2, score: 0.5 })),
    );
    const recent = new Date(Date.now() - 40 * 60_000).toISOString();
    await post(
      server,
      `${V}/inferences`,
      Array.from({ length: 2000 }, (_, i) => ({
        id: `d${i}`,
        timestamp: recent,
        features: features(rng, 130),
        prediction: i % 2,
        score: 0.5,
      })),
    );
    // What the monitor schedule does every cycle, asked for now.
    const run = await server.api('POST', '/api/v1/models/card-fraud/monitoring/run?rules=data_drift');
    expect(run.status).toBe(200);
  });
  afterAll(async () => {
    await server?.close();
  });

  const as = async (principal: string, roles: Parameters<TestServer['tokenFor']>[1], path = '/') =>
    b.signedIn(server.url, await server.tokenFor(principal, roles), path);
  const status = async (id: string) =>
    (await server.api('GET', `/api/v1/change-requests/${id}`)).body as {
      status: string;
      decisions: { principal: string; role: string; comment: string | null }[];
    };

  it('two principals approve a change request from its page, and it executes', async () => {
    const mia = await as('mia', ['ml-engineer'], '/approvals');
    const waiting = mia.getByRole('region', { name: 'Waiting for me', exact: true });
    await waiting.getByRole('link', { name: promotion }).waitFor();
    await expectAccessible(mia, 'approvals');
    await b.shot(mia, 'approvals');
    await waiting.getByRole('link', { name: promotion }).click();
    await mia.waitForURL(`**/change-requests/${promotion}`);
    const required = mia.getByRole('region', { name: 'Required approvals', exact: true }).last();
    await expect
      .poll(() => required.getByRole('row').allInnerTexts())
      .toEqual(['Role\tApprovals\tBy', 'ml-engineer\t0/1 needed\t—', 'validator\t0/1 needed\t—']);
    // Only the role mia holds has buttons.
    expect(await mia.getByRole('button', { name: /as validator/ }).count()).toBe(0);
    await expectAccessible(mia, 'change request');
    await b.shot(mia, 'change-request');
    await mia.getByLabel('Comment').fill('Backtest reviewed: AUC 0.81 on the 2025 holdout.');
    await mia.getByRole('button', { name: 'Approve as ml-engineer' }).click();
    await mia.getByRole('status').filter({ hasText: 'Approved as ml-engineer.' }).waitFor();
    await required.getByRole('row', { name: /ml-engineer 1\/1 met mia/ }).waitFor();
    await mia.getByText('“Backtest reviewed: AUC 0.81 on the 2025 holdout.”').waitFor();
    expect(await mia.getByRole('button', { name: /^Approve/ }).count()).toBe(0);
    const after = await status(promotion);
    expect(after.status).toBe('in_review');
    expect(after.decisions).toEqual([
      expect.objectContaining({
        principal: 'mia',
        role: 'ml-engineer',
        comment: 'Backtest reviewed: AUC 0.81 on the 2025 holdout.',
      }),
    ]);

    // The request is no longer waiting for another ml-engineer.
    const max = await as('max', ['ml-engineer'], '/approvals');
    await max.getByRole('heading', { name: 'Waiting for me (1)' }).waitFor();
    expect(
      await max
        .getByRole('region', { name: 'Waiting for me', exact: true })
        .getByRole('link', { name: promotion })
        .count(),
    ).toBe(0);

    const val = await as('val', ['validator'], `/change-requests/${promotion}`);
    await val.getByLabel('Comment').fill('Validation evidence is in order.');
    await val.getByRole('button', { name: 'Approve as validator' }).click();
    await val.getByRole('heading', { name: /Change request .* executed/ }).waitFor();
    await val.getByText('“Validation evidence is in order.”').waitFor();
    await expectAccessible(val, 'change request executed');
    await b.shot(val, 'change-request-executed');
    expect((await status(promotion)).status).toBe('executed');
    const version = await server.api('GET', '/api/v1/models/credit-default/versions/1.0.0');
    expect(version.body.stage).toBe('staging');
  });

  it('a viewer sees no approve button, and the API refuses the vote anyway', async () => {
    const vic = await as('vic', ['viewer'], `/change-requests/${second}`);
    await vic.getByRole('region', { name: 'Required approvals', exact: true }).last().waitFor();
    await vic.getByText(/You hold none of the roles this request still needs/).waitFor();
    expect(await vic.getByRole('button', { name: /Approve|Reject/ }).count()).toBe(0);
    expect(await vic.getByLabel('Comment').count()).toBe(0);
    await expectAccessible(vic, 'change request as viewer');
    await b.shot(vic, 'change-request-viewer');
    // The same session, calling the API directly with its CSRF token, is refused.
    const refused = await vic.evaluate(async (id) => {
      const session = (await (await fetch('/api/v1/sessions/current')).json()) as { csrfToken: string };
      const res = await fetch(`/api/v1/change-requests/${id}/decisions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({ decision: 'approve', role: 'ml-engineer' }),
      });
      return { status: res.status, body: (await res.json()) as { error: { message: string } } };
    }, second);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/^vic lacks a role this route needs/);
    expect((await status(second)).decisions).toEqual([]);
  });

  it('an operator sees the drift alert raised by ingested data and acknowledges it', async () => {
    const alerts = (await server.api('GET', '/api/v1/alerts?model=card-fraud')).body.items as any[];
    expect(alerts.map((a) => [a.rule, a.feature, a.status])).toEqual([['data_drift', 'amount', 'open']]);
    const alertId = alerts[0].id as string;

    const ops = await as('otto', ['operations'], '/alerts');
    const row = ops.getByRole('row', { name: new RegExp(alertId) });
    await row.waitFor();
    expect(await row.innerText()).toMatch(/critical\s+open\s+card-fraud 1\.0\.0\s+data_drift · amount/);
    await expectAccessible(ops, 'alerts');
    await b.shot(ops, 'alerts');
    await row.getByRole('link', { name: alertId }).click();
    await ops.waitForURL(`**/alerts/${alertId}`);
    await ops.getByLabel('Comment').fill('Looking at the upstream amount feed.');
    await ops.getByRole('button', { name: 'Acknowledge' }).click();
    await ops.getByRole('heading', { name: /Alert .* acknowledged/ }).waitFor();
    await ops.getByText('“Looking at the upstream amount feed.”').waitFor();
    await expectAccessible(ops, 'alert');
    await b.shot(ops, 'alert-acknowledged');
    const stored = (await server.api('GET', `/api/v1/alerts/${alertId}`)).body;
    expect(stored.status).toBe('acknowledged');
    expect(stored.acknowledgedBy).toBe('otto');
  });

  it('the monitoring page charts each check, and a point opens its window’s report', async () => {
    const series = (await server.api('GET', '/api/v1/models/card-fraud/monitoring/series')).body
      .series as any[];
    const amount = series.find((x) => x.rule === 'data_drift' && x.feature === 'amount');
    // The page shows four significant digits.
    const shown = (v: number) => String(Number(v.toPrecision(4))).replace('.', '\\.');
    const value = shown(amount.value[0]);
    const threshold = shown(amount.threshold);
    const vic = await as('vic', ['viewer'], '/monitoring?model=card-fraud&days=1');
    await expect.poll(() => vic.locator('.chart canvas').count()).toBe(series.length);
    const latest = vic.getByRole('region', { name: 'Latest per check', exact: true }).last();
    expect(await latest.getByRole('row', { name: /data_drift · amount/ }).innerText()).toMatch(
      new RegExp(`data_drift · amount\\s+${value}\\s+${threshold}\\s+alert`),
    );
    await expectAccessible(vic, 'monitoring');
    await b.shot(vic, 'monitoring');
    // A click on the amount chart's point opens the report of the window it stands for.
    const chart = vic.getByRole('region', { name: 'data_drift · amount', exact: true }).locator('.u-over');
    await chart.click();
    await vic.waitForURL(/at=/);
    const report = vic.getByRole('region', { name: 'Checks of the window' });
    const row = report.getByRole('row', { name: /data_drift · amount/ });
    await row.waitFor();
    expect(await row.innerText()).toMatch(
      new RegExp(`all\\s+${value}\\s+${threshold}\\s+alert\\s+psi over 10 reference-quantile bins`),
    );
    expect(await report.getByRole('row').count()).toBe(
      1 +
        ((await server.api('GET', '/api/v1/models/card-fraud/monitoring?limit=1000')).body.items as any[])
          .length,
    );
    await expectAccessible(vic, 'window report');
    await b.shot(vic, 'monitoring-window-report');
  });

  it('the model page draws its lineage as a graph: datasets and features into versions', async () => {
    const created = await server.api('POST', '/api/v1/models/credit-default/versions', {
      body: versionBody('1.1.0', {
        lineage: {
          datasets: [
            { name: 'train', uri: 's3://data/train.parquet', sha256: 'a'.repeat(64) },
            { name: 'bureau-2025', uri: 's3://data/bureau-2025.parquet', sha256: 'b'.repeat(64) },
          ],
          featureSetVersion: '3.2.0',
        },
      }),
    });
    expect(created.status).toBe(201);
    const vic = await as('vic', ['viewer'], '/models/credit-default');
    const graph = vic.locator('svg.lineage-graph');
    await graph.waitFor();
    // Two distinct datasets (by SHA-256), one feature set, two versions; 1.0.0 uses train, 1.1.0 all three.
    expect(await graph.locator('title').first().textContent()).toBe(
      'Lineage of credit-default: 2 datasets and 1 feature sets feed 2 versions, running in 0 deployments',
    );
    expect(await graph.locator('rect.node').count()).toBe(5);
    expect(await graph.locator('path.edge').count()).toBe(4);
    await expectAccessible(vic, 'model');
    await b.shot(vic, 'model');
    await vic.getByRole('link', { name: '1.1.0 · development (credit-default 1.1.0)' }).click();
    await vic.waitForURL('**/models/credit-default/versions/1.1.0');
  });

  it('an auditor reads the trail, sees the signed head and runs a verification', async () => {
    const aud = await as('ada', ['auditor'], '/audit');
    const entries = aud.getByRole('region', { name: 'Audit entries' });
    await entries
      .getByRole('row', { name: /mia\s+change_request/ })
      .first()
      .waitFor();
    const head = (await server.api('GET', '/api/v1/audit/head')).body;
    const headCard = aud.getByRole('region', { name: 'Signed head' });
    await headCard.getByText(String(head.hash).slice(0, 16), { exact: false }).waitFor();
    await aud.getByRole('button', { name: 'Verify the trail' }).click();
    const verdict = aud.getByRole('status').filter({ hasText: /intact/ });
    await verdict.waitFor();
    expect(await verdict.innerText()).toMatch(/audit chain intact: \d+ entries/);
    await expectAccessible(aud, 'audit');
    await b.shot(aud, 'audit');

    await aud.getByLabel('Actor').fill('mia');
    await aud.getByRole('button', { name: 'Filter' }).click();
    await aud.waitForURL(/actor=mia/);
    await expect
      .poll(async () => (await entries.locator('tbody tr td:nth-child(3)').allInnerTexts()).sort())
      .toEqual(await actorsOf('mia'));
  });

  const actorsOf = async (actor: string) =>
    ((await server.api('GET', `/api/v1/audit?actor=${actor}&limit=100`)).body.items as any[])
      .map((e) => e.actor as string)
      .sort();

  it('an expired session goes back to sign-in and returns to the page asked for', async () => {
    const val = await as('vera', ['validator'], `/change-requests/${second}`);
    await val.getByRole('button', { name: 'Approve as validator' }).waitFor();
    // Every request of the page has been answered (the preview is the last) before time moves.
    await val.getByText(/Executing would move credit-limit 1\.0\.0 to staging/).waitFor();
    aheadMs = 9 * 60 * 60 * 1000; // past the 8-hour session
    try {
      await val.getByRole('link', { name: 'Alerts' }).click();
      await val.getByLabel('Token').waitFor();
      expect(new URL(val.url()).pathname).toBe('/sign-in');
      expect(new URL(val.url()).searchParams.get('next')).toBe('/alerts');
      await val.getByText('You will return to /alerts after signing in.').waitFor();
      expect(await val.getByRole('status').innerText()).toBe(
        'Your session has ended (session is unknown, ended or expired: sign in again).',
      );
      await expectAccessible(val, 'sign-in after expiry');
      await b.shot(val, 'sign-in-expired');
      await val.getByLabel('Token').fill(await server.tokenFor('vera', ['validator']));
      await val.getByRole('button', { name: 'Sign in' }).click();
      await val.waitForURL(`${server.url}/alerts`);
      await val.getByRole('heading', { name: 'Alerts and incidents' }).waitFor();
    } finally {
      aheadMs = 0;
    }
  });

  it('a revoked token ends its session: the next action goes back to sign-in', async () => {
    const token = await server.tokenFor('vince', ['validator']);
    const p = await b.signedIn(server.url, token, `/change-requests/${second}`);
    await p.getByRole('button', { name: 'Approve as validator' }).waitFor();
    const tokens = (await server.api('GET', '/api/v1/tokens')).body.items as any[];
    const id = tokens.find((t) => t.principal === 'vince').id as string;
    expect((await server.api('POST', `/api/v1/tokens/${id}/revoke`)).status).toBe(200);
    // The page may notice the ended session on its own refresh before the click lands: either way
    // it must end on the sign-in page with the request remembered and no vote recorded.
    await p
      .getByRole('button', { name: 'Approve as validator' })
      .click({ timeout: 5000 })
      .catch(() => undefined);
    await p.getByLabel('Token').waitFor();
    expect(new URL(p.url()).searchParams.get('next')).toBe(`/change-requests/${second}`);
    await p.getByText(/Your session has ended/).waitFor();
    expect((await status(second)).decisions).toEqual([]);
  });

  it('a refused vote shows the API’s reason in words', async () => {
    // dana opened the request and holds validator: separation of duties refuses her vote.
    const dana = await as('dana', ['data-scientist', 'validator'], `/change-requests/${second}`);
    await dana.getByRole('button', { name: 'Approve as validator' }).click();
    const refusal = dana.getByRole('alert');
    await refusal.waitFor();
    const words = await refusal.innerText();
    const direct = await server.api('POST', `/api/v1/change-requests/${second}/decisions`, {
      token: await server.tokenFor('dana', ['data-scientist', 'validator']),
      body: { decision: 'approve', role: 'validator' },
    });
    expect(direct.status).toBe(403);
    expect(words).toBe(`Refused: ${direct.body.error.message}`);
    await expectAccessible(dana, 'refused vote');
    await b.shot(dana, 'change-request-refused');
  });
});
