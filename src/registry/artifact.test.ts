import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalArtifactStore } from './artifact-store.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function putArtifact(
  server: TestServer,
  model: string,
  version: string,
  body: Buffer,
  contentType = 'application/octet-stream',
) {
  const response = await fetch(`${server.url}/api/v1/models/${model}/versions/${version}/artifact`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': contentType },
    body,
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function getArtifact(server: TestServer, model: string, version: string) {
  const response = await fetch(`${server.url}/api/v1/models/${model}/versions/${version}/artifact`, {
    headers: { authorization: `Bearer ${server.adminToken}` },
  });
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

function blobFiles(dataDir: string): string[] {
  const root = path.join(dataDir, 'artifacts');
  if (!fs.existsSync(root)) return [];
  return (
    fs
      .readdirSync(root, { recursive: true, withFileTypes: true })
      // The store's id file sits beside the blobs; it is not a blob.
      .filter((e) => e.isFile() && e.name !== 'warden-store-id')
      .map((e) => path.join(e.parentPath, e.name))
  );
}

async function seedVersion(server: TestServer, model: string, version: string) {
  if ((await server.api('GET', `/api/v1/models/${model}`)).status === 404) {
    const created = await server.api('POST', '/api/v1/models', {
      body: { name: model, owner: 'risk-team', riskTier: 2 },
    });
    expect(created.status).toBe(201);
  }
  expect(
    (await server.api('POST', `/api/v1/models/${model}/versions`, { body: versionBody(version) })).status,
  ).toBe(201);
}

describeEachBackend('artifacts', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(() => server.close());

  it('round-trips a multi-megabyte artifact and reports it on the version', async () => {
    await seedVersion(server, 'scorer', '1.0.0');
    const data = randomBytes(5 * 1024 * 1024 + 17);
    const put = await putArtifact(server, 'scorer', '1.0.0', data);
    expect(put.status).toBe(201);
    expect(put.body).toEqual({ sha256: sha(data), size: data.length });

    const { response, bytes } = await getArtifact(server, 'scorer', '1.0.0');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('content-length')).toBe(String(data.length));
    expect(response.headers.get('x-warden-sha256')).toBe(sha(data));
    expect(bytes.equals(data)).toBe(true);

    const version = await server.api('GET', '/api/v1/models/scorer/versions/1.0.0');
    expect(version.body.artifact).toEqual({ sha256: sha(data), size: data.length });

    const audit = await server.api('GET', '/api/v1/audit?action=artifact.uploaded');
    expect(audit.body.items[0].subject).toBe('model:scorer@1.0.0');
    expect(audit.body.items[0].change).toEqual({ sha256: sha(data), size: data.length });
  });

  it('refuses a second upload with 409 and keeps the first artifact', async () => {
    await seedVersion(server, 'scorer', '1.1.0');
    const first = Buffer.from('first model bytes');
    expect((await putArtifact(server, 'scorer', '1.1.0', first)).status).toBe(201);
    const second = await putArtifact(server, 'scorer', '1.1.0', Buffer.from('second model bytes'));
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('conflict');
    const { bytes } = await getArtifact(server, 'scorer', '1.1.0');
    expect(bytes.toString()).toBe('first model bytes');
  });

  it('lets exactly one of two racing uploads win', async () => {
    await seedVersion(server, 'scorer', '1.2.0');
    const results = await Promise.all([
      putArtifact(server, 'scorer', '1.2.0', randomBytes(200_000)),
      putArtifact(server, 'scorer', '1.2.0', randomBytes(200_000)),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const winner = results.find((r) => r.status === 201)!;
    const version = await server.api('GET', '/api/v1/models/scorer/versions/1.2.0');
    expect(version.body.artifact.sha256).toBe(winner.body.sha256);
  });

  it('refuses and audits the download of a blob altered on disk', async () => {
    await seedVersion(server, 'scorer', '1.3.0');
    const data = Buffer.from('weights that will be tampered with');
    const put = await putArtifact(server, 'scorer', '1.3.0', data);
    const blob = blobFiles(server.store.dataDir).find((f) => path.basename(f) === put.body.sha256);
    expect(blob).toBeDefined();
    fs.writeFileSync(blob!, 'weights that were tampered with!!!');

    const { response, bytes } = await getArtifact(server, 'scorer', '1.3.0');
    expect(response.status).toBe(500);
    const body = JSON.parse(bytes.toString()) as { error: { code: string } };
    expect(body.error.code).toBe('integrity_failure');
    const audit = await server.api('GET', '/api/v1/audit?action=artifact.integrity_failure');
    expect(audit.body.items).toHaveLength(1);
    expect(audit.body.items[0].subject).toBe('model:scorer@1.3.0');
    expect(audit.body.items[0].change.expected.sha256).toBe(sha(data));
  });

  it('answers 415 for a body that is not application/octet-stream', async () => {
    await seedVersion(server, 'scorer', '1.4.0');
    const put = await putArtifact(server, 'scorer', '1.4.0', Buffer.from('{"a":1}'), 'application/json');
    expect(put.status).toBe(415);
    expect(put.body.error.code).toBe('unsupported_media_type');
    const version = await server.api('GET', '/api/v1/models/scorer/versions/1.4.0');
    expect(version.body.artifact).toBeNull();
  });

  it('answers 404 for a missing version or an artifact never uploaded', async () => {
    await seedVersion(server, 'scorer', '1.5.0');
    const put = await putArtifact(server, 'scorer', '9.9.9', Buffer.from('x'));
    expect(put.status).toBe(404);
    expect((await putArtifact(server, 'nobody', '1.0.0', Buffer.from('x'))).status).toBe(404);
    expect((await getArtifact(server, 'scorer', '1.5.0')).response.status).toBe(404);
  });

  it('refuses uploads from read-only roles', async () => {
    await seedVersion(server, 'scorer', '1.6.0');
    const viewer = await server.tokenFor('vera', ['viewer']);
    const response = await fetch(`${server.url}/api/v1/models/scorer/versions/1.6.0/artifact`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${viewer}`, 'content-type': 'application/octet-stream' },
      body: Buffer.from('x'),
    });
    expect(response.status).toBe(403);
  });
});

describeEachBackend('artifact upload limit', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { config: { maxUploadBytes: 2048 } });
  });
  afterAll(() => server.close());

  it('answers 413 over the limit and stores nothing', async () => {
    await seedVersion(server, 'small', '1.0.0');
    const put = await putArtifact(server, 'small', '1.0.0', randomBytes(4096));
    expect(put.status).toBe(413);
    expect(put.body.error.code).toBe('payload_too_large');
    expect(blobFiles(server.store.dataDir)).toEqual([]);
    const version = await server.api('GET', '/api/v1/models/small/versions/1.0.0');
    expect(version.body.artifact).toBeNull();
    expect((await putArtifact(server, 'small', '1.0.0', randomBytes(2048))).status).toBe(201);
  });

  it('also stops a chunked upload with no declared length at the limit', async () => {
    await seedVersion(server, 'small', '1.1.0');
    const before = blobFiles(server.store.dataDir);
    const chunks = [randomBytes(1500), randomBytes(1500)];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const response = await fetch(`${server.url}/api/v1/models/small/versions/1.1.0/artifact`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/octet-stream' },
      body,
      duplex: 'half',
    });
    expect(response.status).toBe(413);
    // The partial upload's temporary file is gone; nothing was added.
    expect(blobFiles(server.store.dataDir)).toEqual(before);
  });
});

describe('local artifact store', () => {
  it('fails the read stream, rather than ending it, when the blob changed after it was checked', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-blobs-'));
    try {
      const store = createLocalArtifactStore(root);
      const data = randomBytes(300_000);
      const stored = await store.put(Readable.from([data]), 1_000_000);
      expect(stored).toEqual({ sha256: sha(data), size: data.length });
      expect(await store.digest(stored.sha256)).toEqual(stored);

      const intact: Buffer[] = [];
      for await (const chunk of store.get(stored.sha256)) intact.push(chunk as Buffer);
      expect(Buffer.concat(intact).equals(data)).toBe(true);

      fs.writeFileSync(path.join(root, stored.sha256.slice(0, 2), stored.sha256), randomBytes(data.length));
      const read = async () => {
        for await (const _chunk of store.get(stored.sha256)) void _chunk;
      };
      await expect(read()).rejects.toMatchObject({ code: 'integrity_failure' });
      fs.rmSync(path.join(root, stored.sha256.slice(0, 2), stored.sha256));
      await expect(read()).rejects.toMatchObject({ code: 'ENOENT' });
      expect(await store.digest(stored.sha256)).toBeUndefined();
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
