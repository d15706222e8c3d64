import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { ensureBuilt, runWardenAsync as warden } from '../reports/offline-cli.test-helper.js';

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');

// Compiling is slow on a busy machine; it happens once, before any server starts.
beforeAll(() => {
  if (process.env.WARDEN_CLI_PATH === undefined) ensureBuilt();
}, 600_000);

describe('warden keys, sign and versions upload|download|sign|attach', () => {
  let server: TestServer;
  let dir: string;
  let env: Record<string, string>;
  const artifact = randomBytes(3 * 1024 * 1024 + 5);

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-cli-'));
    env = { WARDEN_URL: server.url, WARDEN_TOKEN: server.adminToken };
    fs.writeFileSync(path.join(dir, 'model.bin'), artifact);
    await server.api('POST', '/api/v1/models', { body: { name: 'credit', owner: 'risk', riskTier: 2 } });
    for (const v of ['1.0.0', '1.1.0'])
      await server.api('POST', '/api/v1/models/credit/versions', { body: versionBody(v) });
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('shows a version with its lineage', async () => {
    const run = await warden(['versions', 'show', 'credit', '1.1.0'], env);
    expect(run.code, run.stderr).toBe(0);
    const line = run.stdout.split('\n').find((l) => l.startsWith('lineage '));
    expect(line).toContain('"uri":"s3://data/train.parquet"');
  });

  it('generates a key pair with a private file only its owner can read', async () => {
    const run = await warden(['keys', 'generate', '--out', path.join(dir, 'keys'), '--name', 'release']);
    expect(run.code, run.stderr).toBe(0);
    const privateFile = path.join(dir, 'keys', 'release.private.pem');
    const publicFile = path.join(dir, 'keys', 'release.public.pem');
    expect(run.stdout).toContain(privateFile);
    expect(run.stdout).toContain(publicFile);
    expect(fs.statSync(privateFile).mode & 0o777).toBe(0o600);
    expect(createPublicKey(fs.readFileSync(publicFile, 'utf8')).asymmetricKeyType).toBe('ed25519');
    const again = await warden(['keys', 'generate', '--out', path.join(dir, 'keys'), '--name', 'release']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already exists');
  });

  it('registers the key, uploads, signs and verifies, then downloads the same bytes', async () => {
    const keys = path.join(dir, 'keys');
    const reg = await warden(
      ['keys', 'register', '--name', 'release', '--public-key', path.join(keys, 'release.public.pem')],
      env,
    );
    expect(reg.code, reg.stderr).toBe(0);

    const file = path.join(dir, 'model.bin');
    const up = await warden(['versions', 'upload', 'credit', '1.0.0', file], env);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain(sha(artifact));
    expect(up.stdout).toContain(String(artifact.length));

    const signed = await warden(['sign', '--key', path.join(keys, 'release.private.pem'), '--file', file]);
    expect(signed.code, signed.stderr).toBe(0);
    const signature = signed.stdout.trim();
    const publicKey = createPublicKey(fs.readFileSync(path.join(keys, 'release.public.pem'), 'utf8'));
    expect(
      verify(null, Buffer.from(sha(artifact), 'ascii'), publicKey, Buffer.from(signature, 'base64')),
    ).toBe(true);

    const attach = await warden(
      ['versions', 'sign', 'credit', '1.0.0', '--key-name', 'release', '--signature', signature],
      env,
    );
    expect(attach.code, attach.stderr).toBe(0);
    expect((await server.api('GET', '/api/v1/models/credit/versions/1.0.0')).body.verified).toBe(true);

    const out = path.join(dir, 'downloaded.bin');
    const down = await warden(['versions', 'download', 'credit', '1.0.0', '--out', out], env);
    expect(down.code, down.stderr).toBe(0);
    expect(fs.readFileSync(out).equals(artifact)).toBe(true);
  });

  it('signs with --key against the server’s digest, and refuses a wrong key', async () => {
    const keys = path.join(dir, 'keys');
    const other = await warden(['keys', 'generate', '--out', keys, '--name', 'other', '--json']);
    const otherFiles = JSON.parse(other.stdout) as { privateKey: string };
    fs.writeFileSync(path.join(dir, 'small.bin'), 'small model');
    expect(
      (await warden(['versions', 'upload', 'credit', '1.1.0', path.join(dir, 'small.bin')], env)).code,
    ).toBe(0);

    const wrong = await warden(
      ['versions', 'sign', 'credit', '1.1.0', '--key-name', 'release', '--key', otherFiles.privateKey],
      env,
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('signature does not verify');
    const right = await warden(
      [
        'versions',
        'sign',
        'credit',
        '1.1.0',
        '--key-name',
        'release',
        '--key',
        path.join(keys, 'release.private.pem'),
      ],
      env,
    );
    expect(right.code, right.stderr).toBe(0);
    expect((await server.api('GET', '/api/v1/models/credit/versions/1.1.0')).body.verified).toBe(true);
  });

  it('fails with a one-line reason and a non-zero code on refusals', async () => {
    const missing = await warden(['versions', 'upload', 'credit', '9.9.9', path.join(dir, 'small.bin')], env);
    expect(missing.code).toBe(4);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    const again = await warden(['versions', 'upload', 'credit', '1.1.0', path.join(dir, 'small.bin')], env);
    expect(again.code).toBe(5);
    const noFile = await warden(['versions', 'upload', 'credit', '1.1.0', path.join(dir, 'nope.bin')], env);
    expect(noFile.code).toBe(2);
  });

  it('attaches an SBOM and a model card and prints them back', async () => {
    const sbom = { bomFormat: 'CycloneDX', specVersion: '1.5', components: [] };
    fs.writeFileSync(path.join(dir, 'bom.json'), JSON.stringify(sbom));
    fs.writeFileSync(path.join(dir, 'card.md'), '# Credit\n\nContact: risk-ml@bank.example\n');
    const run = await warden(
      [
        'versions',
        'attach',
        'credit',
        '1.0.0',
        '--sbom',
        path.join(dir, 'bom.json'),
        '--model-card',
        path.join(dir, 'card.md'),
      ],
      env,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('attached sbom');
    expect(run.stdout).toContain('PII findings: email in modelCard');
    const card = await warden(['versions', 'attachment', 'credit', '1.0.0', 'model-card'], env);
    expect(card.stdout).toBe('# Credit\n\nContact: risk-ml@bank.example\n');
    const bom = await warden(['versions', 'attachment', 'credit', '1.0.0', 'sbom'], env);
    expect(JSON.parse(bom.stdout)).toEqual(sbom);
    const cardFile = path.join(dir, 'card-copy.md');
    const saved = await warden(
      ['versions', 'attachment', 'credit', '1.0.0', 'model-card', '--out', cardFile],
      env,
    );
    expect(saved.code, saved.stderr).toBe(0);
    expect(saved.stdout).toBe(`wrote ${cardFile}: model-card of credit 1.0.0 (40 bytes)\n`);
    expect(fs.readFileSync(cardFile, 'utf8')).toBe('# Credit\n\nContact: risk-ml@bank.example\n');
  });

  it('refuses a download of a tampered artifact and leaves no file', async () => {
    const blob = path.join(server.store.dataDir, 'artifacts', sha(artifact).slice(0, 2), sha(artifact));
    fs.writeFileSync(blob, randomBytes(artifact.length));
    const out = path.join(dir, 'tampered.bin');
    const run = await warden(['versions', 'download', 'credit', '1.0.0', '--out', out], env);
    expect(run.code).toBe(6);
    expect(run.stderr).toContain('no longer matches');
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('warden versions download against a server that sends the wrong bytes', () => {
  it('removes the partial file when the digest does not match', async () => {
    const bytes = randomBytes(100_000);
    const fake = http.createServer((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/octet-stream',
        'x-warden-sha256': sha(Buffer.from('something else')),
      });
      res.end(bytes);
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'warden-cli-'));
    try {
      const out = path.join(dir, 'model.bin');
      const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
      const run = await warden([
        'versions',
        'download',
        'm',
        '1.0.0',
        '--out',
        out,
        '--url',
        url,
        '--token',
        't',
      ]);
      expect(run.code).toBe(6);
      expect(run.stderr).toContain(sha(bytes));
      expect(fs.existsSync(out)).toBe(false);
    } finally {
      await new Promise<void>((resolve) => fake.close(() => resolve()));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
