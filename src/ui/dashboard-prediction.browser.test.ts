import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInChromium, expectAccessible } from '../../test/support/dashboard-browser.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { post, registerMonitoredModel } from '../monitoring/monitoring.test-helper.js';

const V = '/api/v1/models/credit/versions/1.0.0';
const DAY_MS = 86_400_000;

/**
 * A low score is adverse (`scoreBelow: 0.5`): base 0.5 + (−0.2 + 0.05 − 0.15) = 0.2. The
 * attributions pushing toward the adverse outcome are the negative ones, largest |value| first:
 * amount (−0.2), then country (−0.15); age (+0.05) pushes away from it.
 */
const features = { amount: 100, age: 40, country: 'de' };
const decision = {
  id: 'app-7',
  timestamp: '2026-03-02T09:15:00Z',
  features,
  prediction: 'deny',
  score: 0.2,
  segment: { region: 'eu' },
  attributions: { amount: -0.2, age: 0.05, country: -0.15 },
  attributionMethod: 'shap',
  baseValue: 0.5,
};
// The canonical JSON of the features: keys sorted, no spaces.
const inputHash = createHash('sha256').update('{"age":40,"amount":100,"country":"de"}').digest('hex');

/** The decision page: lineage, attributions, reasons, documents and disputes, for each role. */
describeInChromium('a decision in the dashboard', (backend, b) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(backend);
    await registerMonitoredModel(server, 'credit');
    const put = async (path: string, body: unknown) =>
      expect((await server.api('PUT', `${V}/${path}`, { body })).status).toBe(200);
    await put('adverse-outcome', { scoreBelow: 0.5 });
    await put('reason-codes', {
      amount: 'Amount requested too high for income',
      country: 'Country of residence',
      age: 'Age',
    });
    await post(server, `${V}/inferences`, [
      decision,
      { id: 'plain-1', features: { amount: 20, age: 30, country: 'fr' }, prediction: 'approve', score: 0.9 },
      { id: 'shared-1', features: { amount: 50, age: 50, country: 'it' }, prediction: 'approve', score: 0.7 },
    ]);
    // A second version uses the same record id: the id alone is ambiguous.
    expect(
      (
        await server.api('POST', '/api/v1/models/credit/versions', {
          body: versionBody('1.1.0', { inputSchema: [{ name: 'amount', type: 'number' }] }),
        })
      ).status,
    ).toBe(201);
    await post(server, '/api/v1/models/credit/versions/1.1.0/inferences', [
      { id: 'shared-1', features: { amount: 3 }, prediction: 'deny', score: 0.1 },
    ]);
  });
  afterAll(async () => {
    await server?.close();
  });

  const facts = async (p: Awaited<ReturnType<typeof b.page>>) => {
    const lineage = p.getByRole('region', { name: 'Lineage' });
    const pairs: Record<string, string> = {};
    for (const item of await lineage.locator('dl.facts > div').all())
      pairs[await item.locator('dt').innerText()] = await item.locator('dd').innerText();
    return pairs;
  };

  it('a compliance officer looks a decision up, reads its lineage and reasons, and opens a dispute', async () => {
    const p = await b.signedIn(server.url, await server.tokenFor('carla', ['compliance']), '/predictions');
    await p.getByLabel('Record id or input hash').fill('app-7');
    await p.getByLabel('Model (optional)').fill('credit');
    await p.getByRole('button', { name: 'Look up' }).click();
    await p.getByRole('heading', { name: /Decision app-7/ }).waitFor();
    expect(new URL(p.url()).pathname).toBe('/predictions/app-7');
    await p.getByRole('region', { name: 'Lineage' }).getByText('1.0.0').waitFor();
    expect(await facts(p)).toMatchObject({
      Model: 'credit',
      Version: '1.0.0',
      Output: 'deny',
      Score: '0.2',
      Timestamp: '2026-03-02 09:15:00Z',
      'Input hash (SHA-256)': inputHash,
      Segment: 'region=eu',
      'Rollout variant': 'no rollout at the time',
      Label: 'not known yet',
      Disputes: '0',
    });
    expect(await p.getByRole('link', { name: 'credit', exact: true }).first().getAttribute('href')).toBe(
      '/models/credit',
    );
    expect(await p.getByRole('link', { name: '1.0.0', exact: true }).first().getAttribute('href')).toBe(
      '/models/credit/versions/1.0.0',
    );

    // Attributions, largest |value| first, each with its direction against the adverse outcome.
    const bars = p.getByRole('region', { name: 'Attributions, largest first' });
    await bars.getByRole('row', { name: /amount/ }).waitFor();
    expect((await bars.getByRole('row').allInnerTexts()).slice(1).map((r) => r.trim())).toEqual([
      'amount\t-0.2\ttoward the adverse outcome',
      'country\t-0.15\ttoward the adverse outcome',
      'age\t+0.05\taway from the adverse outcome',
    ]);
    const reasons = p.getByRole('list', { name: 'Principal reasons, most important first' });
    await reasons.getByRole('listitem').first().waitFor();
    expect(await reasons.locator('li > strong').allInnerTexts()).toEqual([
      'Amount requested too high for income',
      'Country of residence',
    ]);
    expect(await p.getByRole('link', { name: 'Adverse-action notice' }).getAttribute('href')).toBe(
      '/api/v1/predictions/app-7/adverse-action-notice?model=credit&version=1.0.0&format=html',
    );
    // The documents open in the signed-in browser, with the same reasons in the same order.
    const notice = await p.request.get(
      `${server.url}/api/v1/predictions/app-7/adverse-action-notice?model=credit&version=1.0.0&format=md`,
    );
    expect(notice.status()).toBe(200);
    const text = await notice.text();
    expect(text.indexOf('1. Amount requested too high for income')).toBeGreaterThan(-1);
    expect(text.indexOf('2. Country of residence')).toBeGreaterThan(text.indexOf('1. Amount'));
    const explanation = await p.request.get(
      `${server.url}${await p.getByRole('link', { name: /Explanation of the decision/ }).getAttribute('href')}`,
    );
    expect(explanation.status()).toBe(200);
    expect(await explanation.text()).toContain('How to contest');
    await expectAccessible(p, 'decision');
    await b.shot(p, 'decision');

    await p.getByLabel('Statement of what the consumer disputes').fill('The amount on file is wrong.');
    await p.getByRole('button', { name: 'Open dispute' }).click();
    await p.getByText('Dispute opened.').waitFor();
    const table = p.getByRole('region', { name: 'Disputes of the decision' });
    await table.getByRole('row', { name: /The amount on file is wrong/ }).waitFor();
    const listed = await server.api('GET', '/api/v1/disputes?recordId=app-7');
    expect(listed.body.items).toHaveLength(1);
    const dispute = listed.body.items[0];
    // Due 30 days (the default dispute period) after it was opened, assigned to the owner.
    expect(Date.parse(dispute.dueAt) - Date.parse(dispute.openedAt)).toBe(30 * DAY_MS);
    const due = new Date(Date.parse(dispute.openedAt) + 30 * DAY_MS).toISOString();
    const cells = await table
      .getByRole('row', { name: /The amount on file is wrong/ })
      .getByRole('cell')
      .allInnerTexts();
    expect(cells.map((c) => c.trim())).toEqual([
      'open',
      `${due.slice(0, 10)} ${due.slice(11, 19)}Z`,
      'alice',
      expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+by carla$/),
      'The amount on file is wrong.',
      '—',
    ]);
    expect(await p.getByLabel('Statement of what the consumer disputes').inputValue()).toBe('');
    await b.shot(p, 'decision-disputed');
  });

  it('the model owner resolves the dispute with a resolution', async () => {
    const p = await b.signedIn(
      server.url,
      await server.tokenFor('alice', ['data-scientist']),
      '/predictions/app-7?model=credit',
    );
    const table = p.getByRole('region', { name: 'Disputes of the decision' });
    await table.getByRole('row', { name: /The amount on file is wrong/ }).waitFor();
    await p.getByLabel('Resolution').fill('Amount corrected; the decision was made again.');
    await p.getByRole('button', { name: 'Resolve' }).click();
    // Once resolved the dispute leaves the work form (and its note): the table row is the answer.
    await table.getByRole('row', { name: /Amount corrected/ }).waitFor();
    const row = await table
      .getByRole('row', { name: /Amount corrected/ })
      .getByRole('cell')
      .allInnerTexts();
    expect(row[0]?.trim()).toBe('resolved');
    const stored = await server.api('GET', '/api/v1/disputes?recordId=app-7');
    expect(stored.body.items[0]).toMatchObject({
      status: 'resolved',
      resolution: 'Amount corrected; the decision was made again.',
    });
    await b.shot(p, 'decision-resolved');

    // The decisions page lists disputes with a link to each decision (a compliance officer's view).
    const list = await b.signedIn(
      server.url,
      await server.tokenFor('carla', ['compliance']),
      '/predictions?status=resolved',
    );
    const disputes = list.getByRole('region', { name: 'Disputes', exact: true });
    await disputes.getByRole('link', { name: 'app-7' }).waitFor();
    expect(await disputes.getByRole('link', { name: 'app-7' }).getAttribute('href')).toBe(
      '/predictions/app-7?model=credit&version=1.0.0',
    );
    await expectAccessible(list, 'decisions');
    await b.shot(list, 'decisions');
  });

  it('an ambiguous record id lists the versions to choose from', async () => {
    const p = await b.signedIn(
      server.url,
      await server.tokenFor('carla', ['compliance']),
      '/predictions/shared-1',
    );
    const choose = p.getByRole('region', { name: 'Several decisions have this record id' });
    await choose.getByRole('link').first().waitFor();
    expect(await choose.getByRole('link').allInnerTexts()).toEqual(['credit 1.0.0', 'credit 1.1.0']);
    await expectAccessible(p, 'decision ambiguous');
    await b.shot(p, 'decision-ambiguous');
    await choose.getByRole('link', { name: 'credit 1.1.0' }).click();
    await p.getByRole('region', { name: 'Lineage' }).getByText('1.1.0').waitFor();
    expect((await facts(p)).Score).toBe('0.1');
    // No attributions on this record: the reasons section says so in the API's words.
    await p.getByText(/carries no attributions/).waitFor();
  });

  it('a decision without attributions says why it has no reasons; dark and narrow stays accessible', async () => {
    const p = await b.signedIn(
      server.url,
      await server.tokenFor('carla', ['compliance']),
      '/predictions/plain-1',
      { colorScheme: 'dark', width: 390 },
    );
    await p.getByRole('heading', { name: /Decision plain-1/ }).waitFor();
    await p.getByText('The serving stack sent no attributions with this record.').waitFor();
    await p.getByText(/record "plain-1" of credit@1\.0\.0 carries no attributions/).waitFor();
    await expectAccessible(p, 'decision without attributions dark 390');
    await b.shot(p, 'decision-plain-390-dark');
    const q = await b.signedIn(
      server.url,
      await server.tokenFor('carla', ['compliance']),
      '/predictions/app-7?model=credit&version=1.0.0',
      { colorScheme: 'dark' },
    );
    await q.getByRole('list', { name: 'Principal reasons, most important first' }).waitFor();
    await q.getByRole('region', { name: 'Disputes of the decision' }).waitFor();
    await expectAccessible(q, 'decision dark');
    await b.shot(q, 'decision-dark');
  });

  it('a viewer is told the decision is not theirs to read', async () => {
    const p = await b.signedIn(
      server.url,
      await server.tokenFor('vic', ['viewer']),
      '/predictions/app-7?model=credit&version=1.0.0',
    );
    await p.getByRole('heading', { name: 'Not allowed' }).waitFor();
    expect(await p.getByRole('region', { name: 'Lineage' }).count()).toBe(0);
    expect(await p.getByRole('button', { name: 'Open dispute' }).count()).toBe(0);
    await expectAccessible(p, 'decision not allowed');
    await b.shot(p, 'decision-viewer');
  });

  it('the model page looks a decision up by its input hash', async () => {
    const p = await b.signedIn(server.url, await server.tokenFor('carla', ['compliance']), '/models/credit');
    await p.getByLabel('Record id or input hash').fill(inputHash);
    expect(await p.getByLabel('Model (optional)').inputValue()).toBe('credit');
    await p.getByRole('button', { name: 'Look up' }).click();
    await p.getByRole('heading', { name: /Decision app-7/ }).waitFor();
    expect(new URL(p.url()).search).toBe('?model=credit&version=1.0.0');
  });
});
