import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

/**
 * Signed tree heads in the C2SP checkpoint format (c2sp.org/tlog-checkpoint), a signed note
 * (c2sp.org/signed-note):
 *
 * ```
 * <origin>
 * <tree size>
 * <base64 root hash>
 *
 * — <key name> <base64(4-byte key id ‖ 64-byte Ed25519 signature)>
 * ```
 *
 * The signature covers the body (the three lines, each ending in a newline). The key id is the
 * first four bytes of SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte public key), 0x01 naming Ed25519.
 * Any tool that reads signed notes (Go's `golang.org/x/mod/sumdb/note`, transparency-dev witnesses)
 * can check Warden's checkpoints given the verifier key `warden audit public-key --note` prints.
 */

export interface TreeHead {
  origin: string;
  size: number;
  /** Merkle root, 32 bytes. */
  rootHash: Buffer;
}

export interface NoteSignature {
  name: string;
  keyId: Buffer;
  signature: Buffer;
}

export interface ParsedCheckpoint extends TreeHead {
  /** The signed text (body) exactly as signed. */
  body: string;
  signatures: NoteSignature[];
}

const ED25519 = 0x01;
const EM_DASH = '\u2014';
/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows. */
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

/** The 32 raw bytes of an Ed25519 public key given as a PEM (or a KeyObject). */
export function rawEd25519PublicKey(key: string | KeyObject): Buffer {
  const object = typeof key === 'string' || key.type !== 'public' ? createPublicKey(key) : key;
  if (object.asymmetricKeyType !== 'ed25519') throw new Error('not an Ed25519 key');
  const der = object.export({ type: 'spki', format: 'der' });
  return der.subarray(SPKI_ED25519_PREFIX.length);
}

/** signed-note key id: SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)[0:4]. */
export function noteKeyId(name: string, publicKey: string | KeyObject): Buffer {
  return createHash('sha256')
    .update(name)
    .update(Buffer.from([0x0a, ED25519]))
    .update(rawEd25519PublicKey(publicKey))
    .digest()
    .subarray(0, 4);
}

/** The verifier key in signed-note text form: `<name>+<hex key id>+<base64(0x01 ‖ public key)>`. */
export function noteVerifierKey(name: string, publicKey: string | KeyObject): string {
  const raw = Buffer.concat([Buffer.from([ED25519]), rawEd25519PublicKey(publicKey)]);
  return `${name}+${noteKeyId(name, publicKey).toString('hex')}+${raw.toString('base64')}`;
}

/** A key name or origin must be non-empty and hold no whitespace and no '+' (signed-note rules). */
export function isValidKeyName(name: string): boolean {
  return /^[^\s+]+$/u.test(name);
}

export function checkpointBody(head: TreeHead): string {
  if (head.rootHash.length !== 32) throw new Error('a checkpoint root hash has 32 bytes');
  return `${head.origin}\n${head.size}\n${head.rootHash.toString('base64')}\n`;
}

/** Signs a note's text (which ends in a newline) with an Ed25519 key named `name` (c2sp.org/signed-note). */
export function signNote(text: string, name: string, privateKey: KeyObject): string {
  if (!text.endsWith('\n') || !isValidKeyName(name))
    throw new Error('a note ends in a newline; a key name is one word');
  const blob = Buffer.concat([noteKeyId(name, privateKey), sign(null, Buffer.from(text), privateKey)]);
  return `${text}\n${EM_DASH} ${name} ${blob.toString('base64')}\n`;
}

/** Signs a tree head as a checkpoint note with an Ed25519 private key, the key named `name`. */
export function signCheckpoint(head: TreeHead, name: string, privateKey: KeyObject): string {
  return signNote(checkpointBody(head), name, privateKey);
}

/** Parses a checkpoint note; throws an Error saying what is malformed. Signatures are not checked here. */
export function parseCheckpoint(text: string): ParsedCheckpoint {
  const split = text.lastIndexOf('\n\n');
  if (split < 0 || !text.endsWith('\n'))
    throw new Error('not a signed note (no blank line before the signatures)');
  const body = text.slice(0, split + 1);
  const lines = body.split('\n');
  lines.pop();
  if (lines.length < 3) throw new Error('a checkpoint body has an origin, a tree size and a root hash');
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText) || !Number.isSafeInteger(Number(sizeText)))
    throw new Error(`tree size "${sizeText}" is not a decimal number`);
  const rootHash = Buffer.from(rootText, 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== rootText)
    throw new Error('root hash is not 32 bytes of base64');
  const signatures: NoteSignature[] = [];
  for (const line of text.slice(split + 2, -1).split('\n')) {
    const m = new RegExp(`^${EM_DASH} (\\S+) (\\S+)$`).exec(line);
    if (!m) throw new Error(`malformed signature line "${line}"`);
    const blob = Buffer.from(m[2]!, 'base64');
    if (blob.length < 5) throw new Error('signature too short');
    signatures.push({ name: m[1]!, keyId: blob.subarray(0, 4), signature: blob.subarray(4) });
  }
  if (signatures.length === 0) throw new Error('the note carries no signature');
  return { origin, size: Number(sizeText), rootHash, body, signatures };
}

/**
 * The first of `publicKeys` (PEM) that signed the checkpoint, or undefined when none did. A
 * signature counts when its key id matches the key under the line's name and it verifies over the body.
 */
export function checkpointSigner(
  checkpoint: ParsedCheckpoint,
  publicKeys: readonly string[],
): string | undefined {
  for (const pem of publicKeys) {
    let key: KeyObject;
    try {
      key = createPublicKey(pem);
    } catch {
      continue;
    }
    if (key.asymmetricKeyType !== 'ed25519') continue;
    for (const s of checkpoint.signatures) {
      if (!noteKeyId(s.name, key).equals(s.keyId)) continue;
      if (verify(null, Buffer.from(checkpoint.body), key, s.signature)) return pem;
    }
  }
  return undefined;
}
