import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { expectMessage, mlflowClient } from './mlflow-client.test-helper.js';

type Named = { name: string; version?: string };

/**
 * Search pages read in SQL after the previous page's last row (keyset), so a page token keeps its
 * place while models are registered between pages, and filters checked after reading still fill
 * each page.
 */
describeEachBackend('MLflow search paged in SQL', (backend) => {
  let server: TestServer;
  let call: ReturnType<typeof mlflowClient>;
  // 14 models m00…m13; every third (m00, m03, m06, m09, m12) tagged team=core, the others team=edge.
  const names = Array.from({ length: 14 }, (_, i) => `m${String(i).padStart(2, '0')}`);
  beforeAll(async () => {
    server = await startTestServer(backend);
    call = mlflowClient(server);
    for (const [i, name] of names.entries()) {
      const res = await call('POST', '/registered-models/create', {
        name,
        tags: [{ key: 'team', value: i % 3 === 0 ? 'core' : 'edge' }],
      });
      expect(res.status).toBe(200);
    }
  });
  afterAll(() => server.close());

  async function allPages(
    endpoint: string,
    message: Record<string, unknown>,
    between?: (page: number) => Promise<void>,
  ) {
    const field = endpoint.startsWith('/registered') ? 'registered_models' : 'model_versions';
    const pages: string[][] = [];
    let token: string | undefined;
    do {
      const res = await call('GET', endpoint, { ...message, ...(token ? { page_token: token } : {}) });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expectMessage(
        field === 'registered_models' ? 'SearchRegisteredModels.Response' : 'SearchModelVersions.Response',
        res.body,
      );
      pages.push(
        ((res.body[field] ?? []) as Named[]).map((m) => (m.version ? `${m.name}/${m.version}` : m.name)),
      );
      token = res.body.next_page_token;
      if (between) await between(pages.length);
    } while (token && pages.length < 50);
    return pages;
  }

  it('pages models in name order, three at a time, the last page without a token', async () => {
    const pages = await allPages('/registered-models/search', { max_results: 3, filter: "name LIKE 'm%'" });
    expect(pages).toEqual([
      ['m00', 'm01', 'm02'],
      ['m03', 'm04', 'm05'],
      ['m06', 'm07', 'm08'],
      ['m09', 'm10', 'm11'],
      ['m12', 'm13'],
    ]);
  });

  it('keeps its place when models are registered between pages (an offset would repeat one)', async () => {
    const pages = await allPages(
      '/registered-models/search',
      { max_results: 4, filter: "name LIKE '%'", order_by: ['name ASC'] },
      async (page) => {
        // After page 1 (m00…m03): one name sorting before the page already read, one after it.
        if (page === 1)
          for (const name of ['a-first', 'm035'])
            expect((await call('POST', '/registered-models/create', { name })).status).toBe(200);
      },
    );
    expect(pages[0]).toEqual(['m00', 'm01', 'm02', 'm03']);
    // Offset paging would start page 2 at the 5th name, m03 again; the cursor continues after m03.
    expect(pages.flat()).toEqual([...names.slice(0, 4), 'm035', ...names.slice(4)]);
  });

  it('fills each page when the filter is checked after reading (version tags) and in DESC order', async () => {
    for (const name of ['m00', 'm01'])
      for (let i = 0; i < 5; i++) {
        const res = await server.api('POST', `/api/v1/models/${name}/versions`, {
          body: versionBody(`1.${i}.0`, { tags: { keep: i % 2 === 0 ? 'yes' : 'no' } }),
        });
        expect(res.status, JSON.stringify(res.body)).toBe(201);
      }
    const pages = await allPages('/model-versions/search', {
      filter: "tags.keep = 'yes'",
      max_results: 2,
      order_by: ['name DESC', 'version_number ASC'],
    });
    // Versions 1.0.0, 1.2.0, 1.4.0 of each are numbered 1, 3, 5.
    expect(pages).toEqual([
      ['m01/1', 'm01/3'],
      ['m01/5', 'm00/1'],
      ['m00/3', 'm00/5'],
    ]);
  });

  it('filters on model tags, the prompt tag MLflow 3 sends, and creation time in SQL', async () => {
    const core = await allPages('/registered-models/search', {
      filter: "tags.team = 'core'",
      max_results: 2,
    });
    expect(core.flat()).toEqual(['m00', 'm03', 'm06', 'm09', 'm12']);
    expect(core.map((p) => p.length)).toEqual([2, 2, 1]);
    const notPrompt = await allPages('/registered-models/search', {
      filter: "name LIKE 'm1%' AND tags.`mlflow.prompt.is_prompt` != 'true'",
      max_results: 100,
    });
    expect(notPrompt.flat()).toEqual(['m10', 'm11', 'm12', 'm13']);
    const m05 = await call('GET', '/registered-models/get', { name: 'm05' });
    const since = m05.body.registered_model.creation_timestamp as number;
    const later = await allPages('/registered-models/search', {
      filter: `creation_timestamp > ${since} AND name LIKE 'm__'`,
      max_results: 100,
    });
    // Registered one after another, so each later model has a later (or equal) time; equal ones are left out.
    const after = later.flat();
    expect(after).not.toContain('m05');
    expect(after.every((n) => n > 'm05')).toBe(true);
  });

  it('refuses a token used with another order, and old offset tokens', async () => {
    const first = await call('GET', '/registered-models/search', { max_results: 2 });
    const token = first.body.next_page_token as string;
    expect(typeof token).toBe('string');
    const other = await call('GET', '/registered-models/search', {
      max_results: 2,
      page_token: token,
      order_by: ['name DESC'],
    });
    expect(other.status).toBe(400);
    expect(other.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(other.body.message).toMatch(/order/);
    const offset = Buffer.from(JSON.stringify({ offset: 2 })).toString('base64');
    expect((await call('GET', '/registered-models/search', { page_token: offset })).status).toBe(400);
  });
});
