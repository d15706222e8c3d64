import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCommandsInProcess } from '../../test/support/cli.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { describeEachBackend } from '../../test/support/stores.js';
import { recheckDueArtifacts } from './artifact-integrity.js';
import { registerRegistryCommands } from './registry.command.js';

describeEachBackend('artifact integrity is re-checked (finding 9)', (backend) => {
  let server: TestServer;
  let clock = new Date('2026-03-01T12:00:00.000Z');
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const blobFile = (sha256: string) =>
    path.join(server.ctx.config.dataDir, 'artifacts', sha256.slice(0, 2), sha256);

  /** Registers a version with a signed artifact; answers the artifact's digest. */
  async function signedVersion(version: string, bytes: Buffer): Promise<string> {
    expect(
      (await server.api('POST', '/api/v1/models/scorer/versions', { body: versionBody(version) })).status,
    ).toBe(201);
    const put = await fetch(`${server.url}/api/v1/models/scorer/versions/${version}/artifact`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(put.status).toBe(201);
    const digest = createHash('sha256').update(bytes).digest('hex');
    const signed = await server.api('POST', `/api/v1/models/scorer/versions/${version}/signatures`, {
      body: {
        keyName: 'release',
        signature: sign(null, Buffer.from(digest, 'ascii'), privateKey).toString('base64'),
      },
    });
    expect(signed.status).toBe(201);
    return digest;
  }

  beforeAll(async () => {
    server = await startTestServer(backend, { now: () => clock });
    await server.api('POST', '/api/v1/models', { body: { name: 'scorer', owner: 'risk', riskTier: 2 } });
    const key = await server.api('POST', '/api/v1/signing-keys', {
      body: { name: 'release', publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    });
    expect(key.body).toMatchObject({ name: 'release' });
  });
  afterAll(() => server.close());

  it('flips verified and opens an integrity_failure alert when the bytes on disk changed', async () => {
    const original = Buffer.from('weights v1 '.repeat(100));
    const digest = await signedVersion('1.0.0', original);
    expect((await server.api('GET', '/api/v1/models/scorer/versions/1.0.0')).body.verified).toBe(true);

    const tampered = Buffer.from(original);
    tampered[5] = tampered[5]! ^ 0xff; // one byte changed, same size
    fs.writeFileSync(blobFile(digest), tampered);
    const tamperedDigest = createHash('sha256').update(tampered).digest('hex');

    const res = await server.api('POST', '/api/v1/models/scorer/versions/1.0.0/artifact/verify');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      intact: false,
      verified: false,
      expected: { sha256: digest, size: original.length },
      observed: { sha256: tamperedDigest, size: original.length },
      failedAt: clock.toISOString(),
    });
    const version = await server.api('GET', '/api/v1/models/scorer/versions/1.0.0');
    expect(version.body).toMatchObject({ verified: false, integrity: { failedAt: clock.toISOString() } });

    const alerts = await server.api('GET', '/api/v1/alerts?model=scorer&status=open');
    expect(alerts.body.items).toHaveLength(1);
    expect(alerts.body.items[0]).toMatchObject({
      rule: 'integrity_failure',
      version: '1.0.0',
      severity: 'high',
    });

    // Asking again repeats the open alert rather than opening another.
    clock = new Date(clock.getTime() + 60_000);
    await server.api('POST', '/api/v1/models/scorer/versions/1.0.0/artifact/verify');
    const again = await server.api('GET', '/api/v1/alerts?model=scorer&status=open');
    expect(again.body.items).toHaveLength(1);
    expect(again.body.items[0].occurrences).toBe(2);
    const audit = await server.api(
      'GET',
      '/api/v1/audit?subject=model:scorer@1.0.0&action=artifact.integrity_failure',
    );
    expect(audit.body.items.length).toBeGreaterThanOrEqual(1);

    // The CLI says so and exits 6 (integrity failure).
    const cli = await runCommandsInProcess(
      registerRegistryCommands,
      ['versions', 'verify', 'scorer', '1.0.0'],
      {
        WARDEN_URL: server.url,
        WARDEN_TOKEN: server.adminToken,
      },
    );
    expect(cli.code).toBe(6);
    expect(cli.stderr).toContain(`hashes to ${tamperedDigest}`);

    // Bytes put back: verified again, and the trail says the integrity was restored.
    fs.writeFileSync(blobFile(digest), original);
    const restored = await server.api('POST', '/api/v1/models/scorer/versions/1.0.0/artifact/verify');
    expect(restored.body).toMatchObject({ intact: true, verified: true, failedAt: null });
    const trail = await server.api(
      'GET',
      '/api/v1/audit?subject=model:scorer@1.0.0&action=artifact.integrity_restored',
    );
    expect(trail.body.items).toHaveLength(1);
  });

  it('re-hashes every artifact periodically, each once per period', async () => {
    const bytes = Buffer.from('weights v2 '.repeat(50));
    const digest = await signedVersion('1.1.0', bytes);
    fs.rmSync(blobFile(digest));
    clock = new Date(clock.getTime() + 25 * 3_600_000);
    // Two rounds at the same moment (two servers): the missing file is found once.
    const [a, b] = await Promise.all([recheckDueArtifacts(server.ctx), recheckDueArtifacts(server.ctx)]);
    expect(a + b).toBe(1);
    const v = await server.api('GET', '/api/v1/models/scorer/versions/1.1.0');
    expect(v.body).toMatchObject({ verified: false, integrity: { checkedAt: clock.toISOString() } });
    // Within the period nothing is due again.
    expect(await recheckDueArtifacts(server.ctx)).toBe(0);
    const open = await server.api('GET', '/api/v1/alerts?model=scorer&status=open');
    expect(open.body.items.map((x: { version: string }) => x.version).sort()).toEqual(['1.1.0']);
  });
});
