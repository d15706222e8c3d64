export {
  generateSigningKeyPair,
  normalizePublicKey,
  publicKeyFingerprint,
  signDigest,
  signedMessage,
  verifyDigestSignature,
} from './ed25519.js';
export { digestFile } from './file-digest.js';
