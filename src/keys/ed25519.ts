import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
} from 'node:crypto';
import { invalidInput } from '../core/errors.js';

/**
 * Ed25519 artifact signing. What is signed is the artifact's SHA-256 digest written as 64
 * lower-case hexadecimal characters, taken as ASCII bytes (no newline, no prefix): signing the
 * digest text rather than the file lets anyone sign or verify without holding the artifact.
 */

/** The exact bytes a signature covers for an artifact with this digest. */
export function signedMessage(sha256Hex: string): Buffer {
  if (!/^[0-9a-f]{64}$/.test(sha256Hex)) throw invalidInput('not a SHA-256 hex digest', 'sha256');
  return Buffer.from(sha256Hex, 'ascii');
}

/** A fresh key pair as PEM text: PKCS#8 private key and SPKI public key. */
export function generateSigningKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Parses an SPKI PEM Ed25519 public key and returns it re-encoded in canonical PEM form. */
export function normalizePublicKey(pem: string, field = 'publicKey'): string {
  let key;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw invalidInput(`${field} is not a PEM public key (expected "-----BEGIN PUBLIC KEY-----")`, field);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw invalidInput(`${field} must be an Ed25519 key (got ${key.asymmetricKeyType ?? 'unknown'})`, field);
  }
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

/** SHA-256 over the key's DER encoding, hex: a short handle to compare keys by. */
export function publicKeyFingerprint(publicKeyPem: string): string {
  const der = createPublicKey(publicKeyPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

/** Signs an artifact digest with a PKCS#8 PEM Ed25519 private key; returns base64. */
export function signDigest(privateKeyPem: string, sha256Hex: string): string {
  let key;
  try {
    key = createPrivateKey({ key: privateKeyPem, format: 'pem' });
  } catch {
    throw invalidInput('the private key is not a PEM private key', 'key');
  }
  if (key.asymmetricKeyType !== 'ed25519') throw invalidInput('the private key is not an Ed25519 key', 'key');
  return sign(null, signedMessage(sha256Hex), key).toString('base64');
}

/** True when `signatureBase64` is a valid Ed25519 signature of the digest text by this public key. */
export function verifyDigestSignature(
  publicKeyPem: string,
  sha256Hex: string,
  signatureBase64: string,
): boolean {
  const signature = Buffer.from(signatureBase64, 'base64');
  if (signature.length !== 64) return false;
  try {
    return verify(null, signedMessage(sha256Hex), createPublicKey(publicKeyPem), signature);
  } catch {
    return false;
  }
}
