import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  checkpointSigner,
  noteKeyId,
  noteVerifierKey,
  parseCheckpoint,
  signCheckpoint,
  signNote,
} from './audit-checkpoint.js';

// The example key and note of golang.org/x/mod/sumdb/note (note_test.go), the reference
// implementation of c2sp.org/signed-note. Ed25519 is deterministic, so signing must reproduce it.
const VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const SKEY_SEED = 'AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'; // base64(0x01 ‖ seed) from PRIVATE+KEY+PeterNeumann+c74f20a3+…
const TEXT =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const SIG =
  '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';

function peterKey() {
  const seed = Buffer.from(SKEY_SEED, 'base64').subarray(1);
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

describe('C2SP signed notes and checkpoints', () => {
  it('reproduces the reference note, key id and verifier key byte for byte', () => {
    const key = peterKey();
    expect(noteKeyId('PeterNeumann', key).toString('hex')).toBe('c74f20a3');
    expect(noteVerifierKey('PeterNeumann', key)).toBe(VKEY);
    expect(signNote(TEXT, 'PeterNeumann', key)).toBe(`${TEXT}\n${SIG}`);
  });

  it('signs, parses and verifies a checkpoint; refuses other keys and altered bodies', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const root = Buffer.alloc(32, 7);
    const note = signCheckpoint(
      { origin: 'bank.example/warden', size: 42, rootHash: root },
      'bank.example/warden',
      privateKey,
    );
    expect(
      note.startsWith(`bank.example/warden\n42\n${root.toString('base64')}\n\n\u2014 bank.example/warden `),
    ).toBe(true);
    const parsed = parseCheckpoint(note);
    expect(parsed).toMatchObject({ origin: 'bank.example/warden', size: 42 });
    expect(parsed.rootHash.equals(root)).toBe(true);
    expect(checkpointSigner(parsed, [other, pem])).toBe(pem);
    expect(checkpointSigner(parsed, [other])).toBeUndefined();
    const altered = parseCheckpoint(note.replace('\n42\n', '\n43\n'));
    expect(checkpointSigner(altered, [pem])).toBeUndefined();
    expect(() => parseCheckpoint('origin\n12\nAAAA\n\n\u2014 k x\n')).toThrow(/root hash/);
    expect(() =>
      parseCheckpoint('origin\nx\n' + root.toString('base64') + '\n\n\u2014 k AAAAAAAA\n'),
    ).toThrow(/tree size/);
    expect(() => parseCheckpoint('origin\n1\n' + root.toString('base64') + '\n')).toThrow(/signed note/);
  });
});
