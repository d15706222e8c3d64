import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { entryPreimage, entryPreimageAroundSeq, hashEntry } from './audit-chain.js';

// Strings that JSON escapes differently or not at all: quotes, backslashes, controls, a surrogate
// pair, lone surrogates, separators JSON leaves alone, and plain text.
const AWKWARD = [
  'plain-text',
  'quote " inside',
  'back\\slash',
  'line\nfeed\ttab\rreturn',
  '\u0000nul\u001funit',
  'pair 😀 emoji',
  'lone \ud800 high',
  'lone \udfff low',
  'sep \u2028 \u2029',
  'accents: é ñ 中文',
  '',
];

it('builds the preimage as the previous hash, a newline and the canonical JSON of the fields', () => {
  for (const text of AWKWARD) {
    const entry = {
      seq: 42,
      at: '2026-11-23T00:00:00.000Z',
      actor: text,
      action: `model.${text}`,
      subject: `model:${text}`,
      requestId: text.length % 2 === 0 ? null : text,
      change: '{"after":{"a":1},"before":null}',
      prevHash: 'f'.repeat(64),
    };
    // The canonical encoding written out by hand: keys in code-point order, strings by JSON.stringify.
    const expected =
      `${'f'.repeat(64)}\n{"action":${JSON.stringify(entry.action)},"actor":${JSON.stringify(entry.actor)},` +
      `"at":"2026-11-23T00:00:00.000Z","change":{"after":{"a":1},"before":null},` +
      `"requestId":${JSON.stringify(entry.requestId)},"seq":42,"subject":${JSON.stringify(entry.subject)}}`;
    expect(entryPreimage(entry)).toBe(expected);
    expect(hashEntry(entry)).toBe(createHash('sha256').update(expected).digest('hex'));
    const { beforeSeq, afterSeq } = entryPreimageAroundSeq(entry);
    expect(`${entry.prevHash}${beforeSeq}${entry.seq}${afterSeq}`).toBe(expected);
  }
});
