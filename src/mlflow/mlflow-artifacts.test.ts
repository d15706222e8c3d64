import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { mlflowClient } from './mlflow-client.test-helper.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** A PUT whose path is sent exactly as written (fetch would resolve `..` and `%2e%2e` first). */
function rawPut(url: string, path: string, authorization: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname, port, path, method: 'PUT', headers: { authorization, 'content-type': 'text/plain' } },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end('x');
  });
}

describeEachBackend('MLflow artifact proxy', (backend) => {
  let server: TestServer;
  let auth: string;
  const base = () => `${server.url}/api/2.0/mlflow-artifacts/artifacts`;
  const files: Record<string, { type: string; bytes: Buffer }> = {
    MLmodel: { type: 'application/octet-stream', bytes: Buffer.from('flavors:\n  python_function: {}\n') },
    'model.pkl': { type: 'application/octet-stream', bytes: randomBytes(200_000) },
    'requirements.txt': { type: 'text/plain', bytes: Buffer.from('scikit-learn==1.5.0\n') },
    // A JSON file whose strings hold escaped line breaks is a file, not a request to check.
    'input_example.json': { type: 'application/json', bytes: Buffer.from('{"text": ["a\\nb"]}') },
    'metadata/conda.yaml': { type: 'application/x-yaml', bytes: Buffer.from('name: env\n') },
  };
  beforeAll(async () => {
    server = await startTestServer(backend);
    auth = `Bearer ${await server.tokenFor('dana', ['data-scientist'])}`;
  });
  afterAll(() => server.close());

  it('takes uploads as MLflow’s HTTP artifact repository sends them (PUT, the guessed media type)', async () => {
    for (const [name, file] of Object.entries(files)) {
      const res = await fetch(`${base()}/0/run1/artifacts/model/${name}`, {
        method: 'PUT',
        headers: { authorization: auth, 'content-type': file.type },
        body: file.bytes,
      });
      expect(res.status, name).toBe(200);
      expect(await res.json()).toEqual({});
    }
    // A retried upload of the same bytes is accepted; other bytes at a stored path are refused.
    const retry = await fetch(`${base()}/0/run1/artifacts/model/MLmodel`, {
      method: 'PUT',
      headers: { authorization: auth, 'content-type': 'application/octet-stream' },
      body: files.MLmodel!.bytes,
    });
    expect(retry.status).toBe(200);
    const overwrite = await fetch(`${base()}/0/run1/artifacts/model/MLmodel`, {
      method: 'PUT',
      headers: { authorization: auth, 'content-type': 'application/octet-stream' },
      body: 'other',
    });
    expect(overwrite.status).toBe(400);
    expect(((await overwrite.json()) as { error_code: string }).error_code).toBe('RESOURCE_ALREADY_EXISTS');
  });

  it('serves models:/churn/1 as the MLflow client downloads it: get-download-uri, then list and get each file', async () => {
    const call = mlflowClient(server, { token: auth.slice('Bearer '.length) });
    await call('POST', '/registered-models/create', { name: 'churn' });
    const created = await call('POST', '/model-versions/create', {
      name: 'churn',
      source: 'mlflow-artifacts:/0/run1/artifacts/model',
      run_id: 'run1',
    });
    expect(created.status).toBe(200);
    const uri = await call('GET', '/model-versions/get-download-uri', { name: 'churn', version: '1' });
    expect(uri.body.artifact_uri).toBe('mlflow-artifacts:/0/run1/artifacts/model');

    // The client resolves mlflow-artifacts:/<path> against the tracking URI and walks the folders.
    const root = (uri.body.artifact_uri as string).replace(/^mlflow-artifacts:\//, '');
    const downloaded: Record<string, Buffer> = {};
    const walk = async (dir: string): Promise<void> => {
      const res = await fetch(`${base()}?${new URLSearchParams({ path: dir }).toString()}`, {
        headers: { authorization: auth },
      });
      expect(res.status).toBe(200);
      const listing = (await res.json()) as {
        files?: Array<{ path: string; is_dir: boolean; file_size?: number }>;
      };
      for (const f of listing.files ?? []) {
        const full = `${dir}/${f.path}`;
        if (f.is_dir) await walk(full);
        else {
          const got = await fetch(`${base()}/${full}`, { headers: { authorization: auth } });
          expect(got.status).toBe(200);
          const bytes = Buffer.from(await got.arrayBuffer());
          expect(f.file_size).toBe(bytes.length);
          downloaded[full.slice(root.length + 1)] = bytes;
        }
      }
    };
    await walk(root);
    expect(Object.keys(downloaded).sort()).toEqual(Object.keys(files).sort());
    for (const [name, file] of Object.entries(files))
      expect(sha256(downloaded[name]!)).toBe(sha256(file.bytes));
    const listing = await fetch(`${base()}?path=0/run1/artifacts/model`, {
      headers: { authorization: auth },
    });
    expect(((await listing.json()) as { files: unknown[] }).files).toContainEqual({
      path: 'metadata',
      is_dir: true,
    });
  });

  it('refuses traversal in artifact paths and unknown files, and writes to read-only roles', async () => {
    // `..` and `%2e%2e` segments are resolved by the URL parser before routing: they leave the proxy.
    for (const path of ['a/../../../etc/passwd', 'a/%2e%2e/%2e%2e/%2e%2e/etc/passwd']) {
      const res = await rawPut(server.url, `/api/2.0/mlflow-artifacts/artifacts/${path}`, auth);
      expect(res.status, path).toBe(404);
    }
    for (const path of ['a/%252e%252e/b', 'a/%2e%2e%2fb', 'a%5c..%5cb', 'a//b', 'a/%00b']) {
      const res = await rawPut(server.url, `/api/2.0/mlflow-artifacts/artifacts/${path}`, auth);
      expect(res.status, path).toBe(400);
      expect((JSON.parse(res.body) as { error_code: string }).error_code, path).toBe(
        'INVALID_PARAMETER_VALUE',
      );
    }
    const missing = await fetch(`${base()}/nope/file`, { headers: { authorization: auth } });
    expect(missing.status).toBe(404);
    const viewer = `Bearer ${await server.tokenFor('vera', ['viewer'])}`;
    const refused = await fetch(`${base()}/v/file`, {
      method: 'PUT',
      headers: { authorization: viewer, 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(refused.status).toBe(403);
    const count = await server.ctx.db
      .selectFrom('audit_log')
      .select('seq')
      .where('action', '=', 'mlflow.artifact_uploaded')
      .execute();
    expect(count).toHaveLength(Object.keys(files).length);
  });
});
