import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachBackend } from '../../test/support/stores.js';
import { startTestServer, versionBody, type TestServer } from '../../test/support/server.js';
import { signDigest, verifyDigestSignature } from '../keys/index.js';

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** Signs the digest text the way the documentation tells a user to, independently of src/keys. */
function signHex(privateKey: ReturnType<typeof keyPair>['privateKey'], hex: string): string {
  return sign(null, Buffer.from(hex, 'ascii'), privateKey).toString('base64');
}

describe('Ed25519 digest signatures', () => {
  it('verify a signature made over the ASCII hex digest and nothing else', () => {
    const { privateKey, publicPem } = keyPair();
    const hex = createHash('sha256').update('artifact').digest('hex');
    const signature = signHex(privateKey, hex);
    expect(verifyDigestSignature(publicPem, hex, signature)).toBe(true);
    const overRawBytes = sign(null, Buffer.from(hex, 'hex'), privateKey).toString('base64');
    expect(verifyDigestSignature(publicPem, hex, overRawBytes)).toBe(false);
    expect(verifyDigestSignature(publicPem, 'b'.repeat(64), signature)).toBe(false);
    expect(verifyDigestSignature(keyPair().publicPem, hex, signature)).toBe(false);
  });

  it('sign with a PEM private key as the CLI does', () => {
    const { privateKey, publicPem } = keyPair();
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const hex = 'c'.repeat(64);
    expect(signDigest(pem, hex)).toBe(signHex(privateKey, hex)); // Ed25519 is deterministic
    expect(verifyDigestSignature(publicPem, hex, signDigest(pem, hex))).toBe(true);
  });
});

describeEachBackend('signing keys and artifact signatures', (backend) => {
  let server: TestServer;
  const alice = keyPair();
  const bob = keyPair();
  let digest: string;

  beforeAll(async () => {
    server = await startTestServer(backend);
    await server.api('POST', '/api/v1/models', { body: { name: 'fraud', owner: 'risk', riskTier: 1 } });
    for (const v of ['1.0.0', '2.0.0'])
      await server.api('POST', '/api/v1/models/fraud/versions', { body: versionBody(v) });
    const bytes = Buffer.from('serialized fraud model');
    digest = createHash('sha256').update(bytes).digest('hex');
    const put = await fetch(`${server.url}/api/v1/models/fraud/versions/1.0.0/artifact`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(put.status).toBe(201);
  });
  afterAll(() => server.close());

  it('registers Ed25519 public keys and refuses other keys, duplicates and read-only callers', async () => {
    const mlops = await server.tokenFor('olga', ['mlops']);
    const created = await server.api('POST', '/api/v1/signing-keys', {
      token: mlops,
      body: { name: 'alice', publicKey: alice.publicPem },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'alice', createdBy: 'olga', revokedAt: null });
    expect(created.body.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(
      (await server.api('POST', '/api/v1/signing-keys', { body: { name: 'bob', publicKey: bob.publicPem } }))
        .status,
    ).toBe(201);

    const dup = await server.api('POST', '/api/v1/signing-keys', {
      body: { name: 'alice', publicKey: bob.publicPem },
    });
    expect(dup.status).toBe(409);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    const notEd = await server.api('POST', '/api/v1/signing-keys', {
      body: { name: 'rsa', publicKey: rsa.toString() },
    });
    expect(notEd.status).toBe(400);
    expect(notEd.body.error.field).toBe('publicKey');
    const garbage = await server.api('POST', '/api/v1/signing-keys', {
      body: { name: 'junk', publicKey: 'hello' },
    });
    expect(garbage.status).toBe(400);
    const viewer = await server.tokenFor('vic', ['viewer']);
    const refused = await server.api('POST', '/api/v1/signing-keys', {
      token: viewer,
      body: { name: 'v', publicKey: bob.publicPem },
    });
    expect(refused.status).toBe(403);
    const scientist = await server.tokenFor('dana', ['data-scientist']);
    expect(
      (
        await server.api('POST', '/api/v1/signing-keys', {
          token: scientist,
          body: { name: 'd', publicKey: bob.publicPem },
        })
      ).status,
    ).toBe(403);

    const list = await server.api('GET', '/api/v1/signing-keys', { token: viewer });
    expect((list.body.items as Array<{ name: string }>).map((k) => k.name)).toEqual(['alice', 'bob']);
  });

  it('refuses a signature that does not verify and stores nothing', async () => {
    const wrongKey = await server.api('POST', '/api/v1/models/fraud/versions/1.0.0/signatures', {
      body: { keyName: 'alice', signature: signHex(bob.privateKey, digest) },
    });
    expect(wrongKey.status).toBe(400);
    expect(wrongKey.body.error.message).toContain('signature does not verify');
    const wrongDigest = await server.api('POST', '/api/v1/models/fraud/versions/1.0.0/signatures', {
      body: { keyName: 'alice', signature: signHex(alice.privateKey, 'd'.repeat(64)) },
    });
    expect(wrongDigest.status).toBe(400);
    const version = await server.api('GET', '/api/v1/models/fraud/versions/1.0.0');
    expect(version.body.signatures).toEqual([]);
    expect(version.body.verified).toBe(false);
  });

  it('refuses unknown keys and versions without an artifact', async () => {
    const unknown = await server.api('POST', '/api/v1/models/fraud/versions/1.0.0/signatures', {
      body: { keyName: 'carol', signature: signHex(alice.privateKey, digest) },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.field).toBe('keyName');
    const noArtifact = await server.api('POST', '/api/v1/models/fraud/versions/2.0.0/signatures', {
      body: { keyName: 'alice', signature: signHex(alice.privateKey, digest) },
    });
    expect(noArtifact.status).toBe(409);
  });

  it('marks the version verified with a good signature, and unverified once the key is revoked', async () => {
    const good = await server.api('POST', '/api/v1/models/fraud/versions/1.0.0/signatures', {
      body: { keyName: 'alice', signature: signHex(alice.privateKey, digest) },
    });
    expect(good.status).toBe(201);
    expect(good.body).toMatchObject({ keyName: 'alice', sha256: digest, verified: true });
    let version = await server.api('GET', '/api/v1/models/fraud/versions/1.0.0');
    expect(version.body.verified).toBe(true);
    expect(version.body.signatures).toHaveLength(1);

    const again = await server.api('POST', '/api/v1/models/fraud/versions/1.0.0/signatures', {
      body: { keyName: 'alice', signature: signHex(alice.privateKey, digest) },
    });
    expect(again.status).toBe(409);

    const revoked = await server.api('POST', '/api/v1/signing-keys/alice/revoke');
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await server.api('POST', '/api/v1/signing-keys/alice/revoke')).status).toBe(409);
    version = await server.api('GET', '/api/v1/models/fraud/versions/1.0.0');
    expect(version.body.verified).toBe(false);
    expect(version.body.signatures[0].keyRevoked).toBe(true);

    const afterRevoke = await server.api('POST', '/api/v1/models/fraud/versions/1.0.0/signatures', {
      body: { keyName: 'alice', signature: signHex(alice.privateKey, digest) },
    });
    expect(afterRevoke.status).toBe(400);

    expect(
      (
        await server.api('POST', '/api/v1/models/fraud/versions/1.0.0/signatures', {
          body: { keyName: 'bob', signature: signHex(bob.privateKey, digest) },
        })
      ).status,
    ).toBe(201);
    version = await server.api('GET', '/api/v1/models/fraud/versions/1.0.0');
    expect(version.body.verified).toBe(true);

    const audit = await server.api('GET', '/api/v1/audit?subject=model:fraud@1.0.0&action=artifact.signed');
    expect((audit.body.items as Array<{ change: { keyName: string } }>).map((e) => e.change.keyName)).toEqual(
      ['bob', 'alice'],
    );
    const revokeAudit = await server.api('GET', '/api/v1/audit?action=signing_key.revoked');
    expect(revokeAudit.body.items[0].subject).toBe('signing-key:alice');
  });
});
