import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { notFound } from '../core/errors.js';
import { headMessage } from './audit-chain.js';
import { signCheckpoint, type TreeHead } from './audit-checkpoint.js';
import { writeFileOnce } from '../core/write-once.js';

/** The server's Ed25519 key that signs audit checkpoints. */
export interface AuditSigner {
  readonly publicKeyPem: string;
  /** The log's origin, also the key's name in checkpoint signature lines. */
  readonly origin: string;
  signHead(seq: number, hash: string): string;
  /** A C2SP checkpoint note of the tree of `size` entries with this root, signed by this key. */
  signTreeHead(size: number, rootHash: Buffer): string;
  /** Signs arbitrary bytes (key rotation statements). */
  sign(message: Buffer): string;
}

const KEY_FILE = path.join('keys', 'audit-signing-key.pem');

/**
 * Loads the checkpoint signing key: the PEM given in configuration, else `<dataDir>/keys/audit-signing-key.pem`,
 * creating that file (mode 0600) the first time. Servers sharing a PostgreSQL store should be given
 * the same key through WARDEN_AUDIT_SIGNING_KEY.
 */
export function loadAuditSigner(
  dataDir: string,
  configuredPem?: string,
  origin = 'warden/audit',
): AuditSigner {
  let privateKey: KeyObject;
  if (configuredPem) {
    privateKey = createPrivateKey(
      configuredPem.includes('BEGIN') ? configuredPem : Buffer.from(configuredPem, 'base64').toString(),
    );
  } else {
    const file = path.join(dataDir, KEY_FILE);
    if (fs.existsSync(file)) {
      privateKey = createPrivateKey(fs.readFileSync(file, 'utf8'));
    } else {
      fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const pem = generateKeyPairSync('ed25519')
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString();
      // Another process may create it first: use theirs so both sign with one key.
      privateKey = createPrivateKey(writeFileOnce(file, pem));
    }
  }
  return signerFromKey(privateKey, origin);
}

/** The default location of the signing key inside a data folder. */
export function auditKeyFile(dataDir: string): string {
  return path.join(dataDir, KEY_FILE);
}

/** A signer over an Ed25519 private key. */
export function signerFromKey(privateKey: KeyObject, origin: string): AuditSigner {
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error('the audit signing key must be an Ed25519 key');
  const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
  return {
    publicKeyPem,
    origin,
    signHead: (seq, hash) => sign(null, headMessage(seq, hash), privateKey).toString('base64'),
    signTreeHead: (size, rootHash) =>
      signCheckpoint({ origin, size, rootHash } satisfies TreeHead, origin, privateKey),
    sign: (message) => sign(null, message, privateKey).toString('base64'),
  };
}

/** The public key (SPKI PEM) of the configured signing key, or of the data folder's key file; never creates one. */
export function readAuditPublicKey(dataDir: string, configuredPem?: string): string {
  let pem = configuredPem;
  if (!pem) {
    const file = path.join(dataDir, KEY_FILE);
    if (!fs.existsSync(file))
      throw notFound(`no audit signing key in ${dataDir} (and WARDEN_AUDIT_SIGNING_KEY is not set)`);
    pem = fs.readFileSync(file, 'utf8');
  }
  const key = createPrivateKey(pem.includes('BEGIN') ? pem : Buffer.from(pem, 'base64').toString());
  return createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
}
