import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';

const SBOM = {
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  version: 1,
  metadata: { component: { type: 'machine-learning-model', name: 'churn' } },
  components: [
    { type: 'library', name: 'scikit-learn', version: '1.4.2', purl: 'pkg:pypi/scikit-learn@1.4.2' },
    {
      type: 'library',
      name: 'numpy',
      version: '1.26.4',
      hashes: [{ alg: 'SHA-256', content: 'ab'.repeat(32) }],
    },
  ],
};

const CARD = `# Churn model 1.0.0

Gradient-boosted trees trained on 2025-11-03 with 1,204,311 rows; AUC 0.8123, recall 0.7311.
Intended use: ranking accounts for retention offers. Out of scope: credit decisions.
`;

async function putCard(server: TestServer, path: string, text: string, contentType = 'text/markdown') {
  return server.api('PUT', path, { body: text, headers: { 'content-type': contentType } });
}

describeEachBackend('version attachments', (backend) => {
  let server: TestServer;
  const base = '/api/v1/models/churn/versions/1.0.0';
  beforeAll(async () => {
    server = await startTestServer(backend);
    await server.api('POST', '/api/v1/models', { body: { name: 'churn', owner: 'growth', riskTier: 3 } });
    await server.api('POST', '/api/v1/models/churn/versions', { body: versionBody('1.0.0') });
  });
  afterAll(() => server.close());

  it('stores a CycloneDX SBOM and gives it back unchanged', async () => {
    const put = await server.api('PUT', `${base}/sbom`, { body: SBOM });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ kind: 'sbom', replaced: false, piiFindings: [] });
    expect(put.body.sha256).toMatch(/^[0-9a-f]{64}$/);
    const got = await server.api('GET', `${base}/sbom`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(SBOM);
    expect((await server.api('GET', base)).body.hasSbom).toBe(true);
  });

  it('refuses documents that are not CycloneDX JSON objects, naming the field', async () => {
    const cases: Array<[unknown, string | undefined]> = [
      [{ ...SBOM, bomFormat: 'SPDX' }, 'bomFormat'],
      [{ specVersion: '1.5' }, 'bomFormat'],
      [{ bomFormat: 'CycloneDX' }, 'specVersion'],
      [{ bomFormat: 'CycloneDX', specVersion: 'latest' }, 'specVersion'],
      [[SBOM], undefined],
    ];
    for (const [body, field] of cases) {
      const put = await server.api('PUT', `${base}/sbom`, { body });
      expect(put.status, JSON.stringify(body)).toBe(400);
      expect(put.body.error.field).toBe(field);
    }
    const notJson = await server.api('PUT', `${base}/sbom`, { body: '{"bomFormat":', headers: {} });
    expect(notJson.status).toBe(400);
  });

  it('reports personal data in an SBOM by JSON path, stores and audits it, and clears it on replacement', async () => {
    const withEmail = {
      ...SBOM,
      metadata: { ...SBOM.metadata, authors: [{ name: 'J. Doe', email: 'j.doe@example.com' }] },
    };
    const put = await server.api('PUT', `${base}/sbom`, { body: withEmail });
    expect(put.status).toBe(200);
    expect(put.body.replaced).toBe(true);
    expect(put.body.piiFindings).toEqual([
      {
        field: 'sbom.metadata.authors.0.email',
        kind: 'email',
        excerpt: expect.stringMatching(/om$/) as string,
      },
    ]);
    expect(JSON.stringify(put.body)).not.toContain('j.doe@example.com');
    let version = await server.api('GET', base);
    expect(version.body.piiFindings.map((f: { field: string }) => f.field)).toEqual([
      'sbom.metadata.authors.0.email',
    ]);
    const audit = await server.api('GET', `/api/v1/audit?action=version.sbom_set&subject=model:churn@1.0.0`);
    expect(audit.body.items[0].change.piiFindings[0].kind).toBe('email');
    expect(audit.body.items[0].change.replaced).toBe(true);

    expect((await server.api('PUT', `${base}/sbom`, { body: SBOM })).status).toBe(200);
    version = await server.api('GET', base);
    expect(version.body.piiFindings).toEqual([]);
  });

  it('stores a Markdown model card, refuses other content types, and scans it', async () => {
    expect((await server.api('GET', `${base}/model-card/source`)).status).toBe(404);
    const put = await putCard(server, `${base}/model-card`, CARD);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ kind: 'modelCard', replaced: false, piiFindings: [] });
    expect(put.body.size).toBe(Buffer.byteLength(CARD));
    const got = await fetch(`${server.url}${base}/model-card/source`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    expect(got.headers.get('content-type')).toContain('text/markdown');
    expect(await got.text()).toBe(CARD);

    for (const type of ['text/plain', 'application/json', 'application/octet-stream']) {
      const wrong = await putCard(server, `${base}/model-card`, JSON.stringify(CARD), type);
      expect(wrong.status, type).toBe(415);
      expect(wrong.body.error.code).toBe('unsupported_media_type');
    }

    const withPhone = await putCard(
      server,
      `${base}/model-card`,
      `${CARD}\nQuestions: call +44 20 7946 0958.\n`,
    );
    expect(withPhone.body.replaced).toBe(true);
    expect(withPhone.body.piiFindings).toMatchObject([{ field: 'modelCard', kind: 'phone' }]);
    const audit = await server.api('GET', `/api/v1/audit?action=version.model_card_set`);
    expect(audit.body.items).toHaveLength(3 - 1);
    expect(audit.body.items[0].change.piiFindings[0].kind).toBe('phone');
  });

  it('refuses writes from read-only roles and for unknown versions', async () => {
    const viewer = await server.tokenFor('vi', ['viewer']);
    expect((await server.api('PUT', `${base}/sbom`, { token: viewer, body: SBOM })).status).toBe(403);
    expect((await server.api('PUT', '/api/v1/models/churn/versions/9.0.0/sbom', { body: SBOM })).status).toBe(
      404,
    );
    expect((await putCard(server, '/api/v1/models/nope/versions/1.0.0/model-card', CARD)).status).toBe(404);
  });

  it('keeps the findings of both documents when they are written at the same time', async () => {
    await server.api('POST', '/api/v1/models/churn/versions', { body: versionBody('2.0.0') });
    const v2 = '/api/v1/models/churn/versions/2.0.0';
    const sbom = { ...SBOM, metadata: { authors: [{ email: 'a.author@example.org' }] } };
    for (let round = 0; round < 3; round++) {
      await Promise.all([
        server.api('PUT', `${v2}/sbom`, { body: sbom }),
        putCard(server, `${v2}/model-card`, `${CARD}\nPager: +1 415 555 0132\n`),
      ]);
      const version = await server.api('GET', v2);
      expect((version.body.piiFindings as Array<{ field: string }>).map((f) => f.field).sort()).toEqual([
        'modelCard',
        'sbom.metadata.authors.0.email',
      ]);
    }
  });
});

describeEachBackend('version attachments under piiMode reject', (backend) => {
  let server: TestServer;
  const base = '/api/v1/models/churn/versions/1.0.0';
  beforeAll(async () => {
    server = await startTestServer(backend, { config: { piiMode: 'reject' } });
    await server.api('POST', '/api/v1/models', { body: { name: 'churn', owner: 'growth', riskTier: 3 } });
    await server.api('POST', '/api/v1/models/churn/versions', { body: versionBody('1.0.0') });
  });
  afterAll(() => server.close());

  it('refuses a card or SBOM with personal data and stores nothing', async () => {
    const card = await putCard(server, `${base}/model-card`, `${CARD}\nOwner: jane.roe@bank.example\n`);
    expect(card.status).toBe(400);
    expect(card.body.error.field).toBe('modelCard');
    expect((await server.api('GET', `${base}/model-card/source`)).status).toBe(404);
    const sbom = await server.api('PUT', `${base}/sbom`, {
      body: { ...SBOM, metadata: { supplier: { contact: [{ phone: '+1 415 555 0132' }] } } },
    });
    expect(sbom.status).toBe(400);
    expect(sbom.body.error.field).toBe('sbom.metadata.supplier.contact.0.phone');
    expect((await server.api('GET', `${base}/sbom`)).status).toBe(404);
    const audit = await server.api('GET', '/api/v1/audit?subject=model:churn@1.0.0');
    expect((audit.body.items as Array<{ action: string }>).map((e) => e.action)).toEqual(['version.created']);
    expect((await putCard(server, `${base}/model-card`, CARD)).status).toBe(200);
  });
});
