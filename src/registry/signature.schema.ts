import { z } from '@hono/zod-openapi';

/** Key names follow the model-name rule: URL-safe, 1–128 characters. */
export const keyName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, 'must match [A-Za-z0-9][A-Za-z0-9._-]{0,127}')
  .openapi({ example: 'release-2026' });

export const registerKeySchema = z
  .strictObject({
    name: keyName,
    publicKey: z
      .string()
      .min(1)
      .max(4096)
      .openapi({ description: 'Ed25519 public key, SPKI PEM ("-----BEGIN PUBLIC KEY-----")' }),
  })
  .openapi('RegisterSigningKey', { description: 'An Ed25519 public key to trust' });

export const signingKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    publicKey: z.string(),
    fingerprint: z.string().openapi({ description: 'SHA-256 of the key’s DER encoding, hex' }),
    createdAt: z.string(),
    createdBy: z.string(),
    revokedAt: z.string().nullable(),
  })
  .openapi('SigningKey', { description: 'A trusted Ed25519 public key for artifact signatures' });

export const createSignatureSchema = z
  .strictObject({
    keyName,
    signature: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, 'must be base64')
      .openapi({
        description:
          'Base64 Ed25519 signature over the artifact’s SHA-256 digest written as 64 lower-case hex characters (ASCII, no newline)',
      }),
  })
  .openapi('CreateSignature', { description: 'A signature to attach to a version’s artifact' });

export const artifactSignatureSchema = z
  .object({
    id: z.string(),
    keyId: z.string(),
    keyName: z.string(),
    sha256: z.string().openapi({ description: 'The artifact digest that was signed' }),
    verified: z.boolean(),
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .openapi('ArtifactSignature', {
    description: 'An Ed25519 signature over an artifact, and whether it verifies',
  });

export type SigningKey = z.infer<typeof signingKeySchema>;
export type ArtifactSignature = z.infer<typeof artifactSignatureSchema>;
