import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachBackend, postgresAvailable } from '../../test/support/stores.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { startServer, type RunningServer } from '../server/server.js';
import { checkArtifactStoreIdentity } from './artifact-store-identity.js';
import { parseS3Url } from './s3-artifact-store.js';

let s3: S3rver;
let s3Dir: string;
let endpoint: string;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  // s3rver accepts any signature made with its documented default credentials.
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  s3Dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-s3rver-'));
  s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: s3Dir,
    configureBuckets: [{ name: 'warden' }],
  });
  const { port } = await s3.run();
  endpoint = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await s3.close();
  fs.rmSync(s3Dir, { recursive: true, force: true });
});

const s3Url = (prefix: string) =>
  `s3://warden/${prefix}?endpoint=${endpoint}&region=us-east-1&forcePathStyle=true`;

async function register(server: TestServer, model: string): Promise<void> {
  expect(
    (await server.api('POST', '/api/v1/models', { body: { name: model, owner: 'o', riskTier: 3 } })).status,
  ).toBe(201);
  expect(
    (await server.api('POST', `/api/v1/models/${model}/versions`, { body: versionBody('1.0.0') })).status,
  ).toBe(201);
}

async function upload(url: string, token: string, model: string, bytes: Buffer) {
  const response = await fetch(`${url}/api/v1/models/${model}/versions/1.0.0/artifact`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function download(url: string, token: string, model: string) {
  const response = await fetch(`${url}/api/v1/models/${model}/versions/1.0.0/artifact`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()) };
}

async function verify(url: string, token: string, model: string) {
  const response = await fetch(`${url}/api/v1/models/${model}/versions/1.0.0/artifact/verify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, body: (await response.json()) as { intact: boolean } };
}

describe('parseS3Url', () => {
  it('reads bucket, prefix and the endpoint parameters', () => {
    expect(
      parseS3Url('s3://bucket/a/b/?endpoint=http://127.0.0.1:9000&region=eu-west-1&forcePathStyle=true'),
    ).toEqual({
      bucket: 'bucket',
      prefix: 'a/b',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
    });
  });
  it.each([
    ['s3://key:secret@bucket/p', 'credentials'],
    ['s3://bucket/p?endpont=http://127.0.0.1', 'unknown parameter "endpont"'],
    ['s3://bucket/p?endpoint=ftp://127.0.0.1', 'endpoint must be an http(s) URL'],
  ])('refuses %s', (raw, message) => {
    expect(() => parseS3Url(raw)).toThrow(message);
  });
});

describeEachBackend('artifacts in S3-compatible object storage', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend, { config: { artifactStore: s3Url(`single-${backend}`) } });
  });
  afterAll(() => server.close());

  it('stores the blob as an object under its digest, serves and verifies it', async () => {
    await register(server, 's3-model');
    const bytes = randomBytes(300_000);
    const put = await upload(server.url, server.adminToken, 's3-model', bytes);
    expect(put.status).toBe(201);
    // The object itself, read with a client of our own: the digest names it and its bytes match.
    const client = new S3Client({ region: 'us-east-1', endpoint, forcePathStyle: true });
    const object = await client.send(
      new GetObjectCommand({
        Bucket: 'warden',
        Key: `single-${backend}/${sha256(bytes).slice(0, 2)}/${sha256(bytes)}`,
      }),
    );
    expect(Buffer.from(await object.Body!.transformToByteArray()).equals(bytes)).toBe(true);
    // The store id was written beside the blobs.
    const id = await client.send(
      new GetObjectCommand({ Bucket: 'warden', Key: `single-${backend}/warden-store-id` }),
    );
    expect((await id.Body!.transformToString()).trim()).toMatch(/^ast_[0-9a-f]{24}$/);
    const got = await download(server.url, server.adminToken, 's3-model');
    expect(got.status).toBe(200);
    expect(got.bytes.equals(bytes)).toBe(true);
    expect((await verify(server.url, server.adminToken, 's3-model')).body.intact).toBe(true);
    // No upload is left behind in the local receiving folder.
    const uploads = path.join(server.store.dataDir, 'artifact-uploads');
    expect(fs.existsSync(uploads) ? fs.readdirSync(uploads) : []).toEqual([]);
  });
});

describe.runIf(postgresAvailable)('servers sharing one PostgreSQL database', () => {
  const otherDirs: string[] = [];
  afterAll(() => {
    for (const d of otherDirs) fs.rmSync(d, { recursive: true, force: true });
  });
  const freshDir = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-second-'));
    otherDirs.push(d);
    return d;
  };

  it('refuses to start a second server whose artifact folder is not the database’s', async () => {
    const a = await startTestServer('postgres');
    try {
      await expect(
        startServer({ ...a.store.config, dataDir: freshDir(), port: 0 }, { background: false }),
      ).rejects.toThrow(
        /carries no store id, but this database was initialised with artifact store ast_[0-9a-f]{24}/,
      );
      // A folder that is another store altogether is refused as well.
      const other = await startTestServer('sqlite');
      const otherFolder = path.join(other.store.dataDir, 'artifacts');
      await other.close().catch(() => undefined);
      fs.mkdirSync(otherFolder, { recursive: true });
      fs.writeFileSync(path.join(otherFolder, 'warden-store-id'), 'ast_000000000000000000000000\n');
      await expect(
        startServer(
          { ...a.store.config, dataDir: freshDir(), artifactStore: otherFolder, port: 0 },
          { background: false },
        ),
      ).rejects.toThrow(/is store ast_000000000000000000000000, but this database was initialised with/);
    } finally {
      await a.close();
    }
  });

  it.each([
    ['a shared folder', () => ({ artifactStore: path.join(freshDir(), 'shared-artifacts') })],
    [
      'the same S3 bucket and prefix',
      () => ({ artifactStore: s3Url(`shared-${randomBytes(4).toString('hex')}`) }),
    ],
  ])(
    'with %s, both serve an artifact uploaded through one, with no false integrity failure',
    async (_what, store) => {
      const shared = store();
      const a = await startTestServer('postgres', { config: shared });
      let b: RunningServer | undefined;
      try {
        b = await startServer(
          { ...a.store.config, ...shared, dataDir: freshDir(), port: 0 },
          { background: false },
        );
        await register(a, 'shared-model');
        const bytes = randomBytes(100_000);
        expect((await upload(a.url, a.adminToken, 'shared-model', bytes)).status).toBe(201);
        const viaB = await download(b.url, a.adminToken, 'shared-model');
        expect(viaB.status).toBe(200);
        expect(sha256(viaB.bytes)).toBe(sha256(bytes));
        expect((await verify(b.url, a.adminToken, 'shared-model')).body.intact).toBe(true);
        const alerts = (await a.api('GET', '/api/v1/alerts?model=shared-model')).body.items as Array<{
          rule: string;
        }>;
        expect(alerts.filter((x) => x.rule === 'integrity_failure')).toEqual([]);
      } finally {
        await b?.close();
        await a.close();
      }
    },
  );
});

describeEachBackend('a store from before artifact store ids', (backend) => {
  it('is adopted on the first start: the id is written into the store and the database', async () => {
    const server = await startTestServer(backend);
    try {
      const folder = path.join(server.store.dataDir, 'artifacts');
      // What an upgraded installation looks like: no id in the folder, none in the database.
      await server.ctx.db.deleteFrom('artifact_store_identity').execute();
      fs.rmSync(path.join(folder, 'warden-store-id'));
      const id = await checkArtifactStoreIdentity(server.ctx.db, server.ctx.artifacts, new Date());
      expect(id).toMatch(/^ast_[0-9a-f]{24}$/);
      expect(fs.readFileSync(path.join(folder, 'warden-store-id'), 'utf8').trim()).toBe(id);
      const row = await server.ctx.db
        .selectFrom('artifact_store_identity')
        .selectAll()
        .executeTakeFirstOrThrow();
      expect(row.store_id).toBe(id);
      expect(row.location).toBe(folder);
      // Later starts find the same id on both sides.
      expect(await checkArtifactStoreIdentity(server.ctx.db, server.ctx.artifacts, new Date())).toBe(id);
    } finally {
      await server.close();
    }
  });
});
