import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { scanFreeText } from './personal-data.middleware.js';

// An e-mail address and a US social security number in the SSA's valid ranges, as a person might paste them.
const EMAIL = 'jane.doe@example.com';
const SSN = '219-09-9999';

describeEachBackend('WARDEN_PII_MODE=reject covers every free-text field', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { config: { piiMode: 'reject' } });
    await server.api('POST', '/api/v1/models', { body: { name: 'clean', owner: 'risk-team', riskTier: 4 } });
    await server.api('POST', '/api/v1/models/clean/versions', { body: versionBody('1.0.0') });
  });
  afterAll(() => server.close());

  const count = async (table: 'models' | 'change_requests' | 'change_request_decisions' | 'features') =>
    Number(
      (
        await server.ctx.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it.each([
    ['model owner', 'POST', '/api/v1/models', { name: 'm1', owner: `jane ${EMAIL}`, riskTier: 3 }, 'owner'],
    [
      'model tags',
      'POST',
      '/api/v1/models',
      { name: 'm2', owner: 'o', riskTier: 3, tags: ['ok', SSN] },
      'tags.1',
    ],
    ['model patch owner', 'PATCH', '/api/v1/models/clean', { owner: EMAIL }, 'owner'],
    ['model patch tags', 'PATCH', '/api/v1/models/clean', { tags: { note: `call ${SSN}` } }, 'tags.note'],
    [
      'transition reason',
      'POST',
      '/api/v1/models/clean/versions/1.0.0/transitions',
      { to: 'staging', reason: `asked by ${EMAIL}` },
      'reason',
    ],
    [
      'feature owner',
      'POST',
      '/api/v1/features',
      { name: 'f1', owner: EMAIL, type: 'numeric', version: '1.0.0' },
      'owner',
    ],
    [
      'legal hold reason',
      'POST',
      '/api/v1/models/clean/legal-hold',
      { reason: `claimant SSN ${SSN}` },
      'reason',
    ],
  ] as const)(
    'refuses personal data in %s, naming the field, storing nothing',
    async (_what, method, path, body, field) => {
      const before = {
        models: await count('models'),
        requests: await count('change_requests'),
        features: await count('features'),
      };
      const res = await server.api(method, path, { body });
      expect(res.status).toBe(400);
      expect(res.body.error.field).toBe(field);
      expect(res.body.error.message).toMatch(/personal data \((email|national_id)\)/);
      expect({
        models: await count('models'),
        requests: await count('change_requests'),
        features: await count('features'),
      }).toEqual(before);
      const model = (await server.api('GET', '/api/v1/models/clean')).body;
      expect(model.owner).toBe('risk-team');
      expect(model.legalHold).toBeNull();
    },
  );

  it('refuses personal data in a decision comment and in a query-string reason', async () => {
    const opened = await server.api('POST', '/api/v1/models/clean/versions/1.0.0/transitions', {
      body: { to: 'staging', reason: 'review' },
    });
    expect(opened.status).toBe(201);
    const decisions = await count('change_request_decisions');
    const reviewer = await server.tokenFor('rita', ['data-scientist']);
    const comment = await server.api('POST', `/api/v1/change-requests/${opened.body.id}/decisions`, {
      token: reviewer,
      body: { decision: 'approve', role: 'data-scientist', comment: `fine, ping ${EMAIL}` },
    });
    expect(comment.status).toBe(400);
    expect(comment.body.error.field).toBe('comment');
    expect(await count('change_request_decisions')).toBe(decisions);
    const lift = await server.api(
      'DELETE',
      `/api/v1/models/clean/legal-hold?reason=${encodeURIComponent(EMAIL)}`,
    );
    expect(lift.status).toBe(400);
    expect(lift.body.error.field).toBe('reason');
    // Clean text passes.
    const clean = await server.api('PATCH', '/api/v1/models/clean', {
      body: { tags: { domain: 'credit', region: 'eu' }, description: 'scores' },
    });
    expect(clean.status, JSON.stringify(clean.body)).toBe(200);
  });

  it('looks only at free-text fields, at any depth', () => {
    expect(
      scanFreeText({ name: EMAIL, consumers: [{ name: 'x', contact: EMAIL }] }).map((f) => f.field),
    ).toEqual(['consumers.0.contact']);
    expect(scanFreeText({ metrics: { ssn: 219099999 }, url: `mailto:${EMAIL}` })).toEqual([]);
  });
});
