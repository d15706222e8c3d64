import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  consistencyProofOf,
  consistencyRanges,
  EMPTY_ROOT,
  hashChildren,
  hashLeaf,
  inclusionProofOf,
  inclusionRanges,
  MerkleAccumulator,
  rootOfHashes,
  verifyConsistency,
  verifyInclusion,
  type Hash,
} from './audit-merkle.js';

const hex = (h: Hash) => h.toString('hex');
const unhex = (s: string) => Buffer.from(s, 'hex');

// transparency-dev/merkle testonly/constants.go: leaves and the roots of their prefixes.
const LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const leafHashes = LEAVES.map((l) => hashLeaf(unhex(l)));
/** A hash given abbreviated as "prefix…suffix" in the published vectors. */
const matches = (h: Hash, abbreviated: string) => {
  const [head, tail] = abbreviated.split('…') as [string, string];
  return hex(h).startsWith(head) && hex(h).endsWith(tail);
};

describe('RFC 6962 hashing: published known answers', () => {
  it('hashes leaves and nodes with the domain-separation prefixes (rfc6962_test.go)', () => {
    expect(hex(hashLeaf('L123456'))).toBe('395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56');
    expect(hex(hashChildren(Buffer.from('N123'), Buffer.from('N456')))).toBe(
      'aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb',
    );
    expect(hex(EMPTY_ROOT)).toBe(ROOTS[0]);
  });

  it('computes the roots of the 0..8-leaf trees (testonly/constants.go)', () => {
    for (let n = 0; n <= 8; n++) expect(hex(rootOfHashes(leafHashes.slice(0, n)))).toBe(ROOTS[n]);
    const acc = new MerkleAccumulator();
    expect(hex(acc.root())).toBe(ROOTS[0]);
    for (let n = 1; n <= 8; n++) {
      acc.push(leafHashes[n - 1]!);
      expect(hex(acc.root())).toBe(ROOTS[n]);
    }
  });

  it('builds the audit paths and consistency proofs of the RFC 6962 §2.1.3 example tree', () => {
    // Seven leaves a..: b = leaf 1, c = leaf 2, d = leaf 3, f = leaf 5, j = leaf 6,
    // g = [0,2), h = [2,4), i = [4,6), k = [0,4), l = [4,7).
    expect(inclusionRanges(0, 7)).toEqual([
      [1, 2],
      [2, 4],
      [4, 7],
    ]);
    expect(inclusionRanges(3, 7)).toEqual([
      [2, 3],
      [0, 2],
      [4, 7],
    ]);
    expect(inclusionRanges(4, 7)).toEqual([
      [5, 6],
      [6, 7],
      [0, 4],
    ]);
    expect(inclusionRanges(6, 7)).toEqual([
      [4, 6],
      [0, 4],
    ]);
    expect(consistencyRanges(3, 7)).toEqual([
      [2, 3],
      [3, 4],
      [0, 2],
      [4, 7],
    ]);
    expect(consistencyRanges(4, 7)).toEqual([[4, 7]]);
    expect(consistencyRanges(6, 7)).toEqual([
      [4, 6],
      [6, 7],
      [0, 4],
    ]);
  });

  it('matches the published proof hashes (testdata/inclusion, consistency)', () => {
    const path0 = inclusionProofOf(leafHashes, 0, 8);
    expect(path0).toHaveLength(3);
    ['96a296d2…cfc7', '5f083f0a…031e', '6b47aaf2…f6e4'].forEach((a, i) =>
      expect(matches(path0[i]!, a)).toBe(true),
    );
    const p37 = consistencyProofOf(leafHashes, 3, 7);
    ['0298d122…7fe7', '07506a85…87e7', 'fac54203…c125', '837dbb15…2d0e'].forEach((a, i) =>
      expect(matches(p37[i]!, a)).toBe(true),
    );
    expect(consistencyProofOf(leafHashes, 4, 7).map(hex)).toEqual([
      '837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e',
    ]);
    const p68 = consistencyProofOf(leafHashes, 6, 8);
    ['0ebc5d34…ef6a', 'ca854ea1…0ae0', 'd37ee418…14b7'].forEach((a, i) =>
      expect(matches(p68[i]!, a)).toBe(true),
    );
    expect(verifyInclusion(0, 8, leafHashes[0]!, path0, unhex(ROOTS[8]!))).toBe(true);
    expect(verifyConsistency(3, 7, unhex(ROOTS[3]!), unhex(ROOTS[7]!), p37)).toBe(true);
  });
});

describe('RFC 6962 proofs against an independent implementation (python3 hashlib)', () => {
  const MAX = 33;
  const leaves = Array.from({ length: MAX }, (_, i) => randomBytes(i % 7));
  const run = spawnSync('python3', [path.resolve('test/fixtures/rfc6962-merkle.py')], {
    input: JSON.stringify({ leaves: leaves.map((l) => l.toString('hex')), maxSize: MAX }),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const expected = JSON.parse(run.stdout) as Record<
    string,
    { root: string; paths: string[][]; proofs: Record<string, string[]> }
  >;
  const hashes = leaves.map((l) => hashLeaf(l));

  it('agrees on every root, audit path and consistency proof for trees of 1..33 leaves', () => {
    expect(run.status, run.stderr).toBe(0);
    for (let n = 1; n <= MAX; n++) {
      const want = expected[n]!;
      expect(hex(rootOfHashes(hashes.slice(0, n)))).toBe(want.root);
      for (let m = 0; m < n; m++) expect(inclusionProofOf(hashes, m, n).map(hex)).toEqual(want.paths[m]);
      for (let m = 1; m < n; m++) expect(consistencyProofOf(hashes, m, n).map(hex)).toEqual(want.proofs[m]);
    }
  });

  it('verifies every honest proof and refuses every mutation of it', () => {
    const flip = (h: Hash) => {
      const c = Buffer.from(h);
      c[0]! ^= 1;
      return c;
    };
    for (let n = 1; n <= MAX; n++) {
      const root = unhex(expected[n]!.root);
      for (let m = 0; m < n; m++) {
        const proof = expected[n]!.paths[m]!.map(unhex);
        const leaf = hashes[m]!;
        expect(verifyInclusion(m, n, leaf, proof, root)).toBe(true);
        expect(verifyInclusion(m, n, flip(leaf), proof, root)).toBe(false); // wrong leaf
        expect(verifyInclusion(m, n, leaf, proof, flip(root))).toBe(false); // random root
        expect(verifyInclusion(m, n, leaf, proof, EMPTY_ROOT)).toBe(false);
        expect(verifyInclusion(m + 1, n, leaf, proof, root)).toBe(false); // index + 1
        if (m > 0) expect(verifyInclusion(m - 1, n, leaf, proof, root)).toBe(false);
        expect(verifyInclusion(m, n * 2, leaf, proof, root)).toBe(false); // size × 2
        if (n > 1) expect(verifyInclusion(m, Math.floor(n / 2), leaf, proof, root)).toBe(false);
        for (let i = 0; i < proof.length; i++) {
          const bad = [...proof];
          bad[i] = flip(bad[i]!);
          expect(verifyInclusion(m, n, leaf, bad, root)).toBe(false);
        }
        expect(verifyInclusion(m, n, leaf, [...proof, root], root)).toBe(false); // trailing garbage
        expect(verifyInclusion(m, n, leaf, [root, ...proof], root)).toBe(false); // preceding garbage
        if (proof.length > 0) expect(verifyInclusion(m, n, leaf, proof.slice(1), root)).toBe(false);
      }
      for (let m = 1; m < n; m++) {
        const proof = expected[n]!.proofs[m]!.map(unhex);
        const oldRoot = unhex(expected[m]!.root);
        expect(verifyConsistency(m, n, oldRoot, root, proof)).toBe(true);
        expect(verifyConsistency(m, n, root, oldRoot, proof)).toBe(false); // swapped roots
        expect(verifyConsistency(m, n, flip(oldRoot), root, proof)).toBe(false);
        expect(verifyConsistency(m, n, oldRoot, flip(root), proof)).toBe(false);
        expect(verifyConsistency(n, m, oldRoot, root, proof)).toBe(false); // size1 > size2
        expect(verifyConsistency(m, n * 2, oldRoot, root, proof)).toBe(false); // size2 × 2
        if (n / 2 > m) expect(verifyConsistency(m, Math.floor(n / 2), oldRoot, root, proof)).toBe(false);
        if (m + 1 < n) expect(verifyConsistency(m + 1, n, oldRoot, root, proof)).toBe(false); // size1 ± 1
        if (m > 1) expect(verifyConsistency(m - 1, n, oldRoot, root, proof)).toBe(false);
        expect(verifyConsistency(m, n, oldRoot, root, [])).toBe(false);
        expect(verifyConsistency(m, n, oldRoot, root, [...proof, root])).toBe(false);
        for (let i = 0; i < proof.length; i++) {
          const bad = [...proof];
          bad[i] = flip(bad[i]!);
          expect(verifyConsistency(m, n, oldRoot, root, bad)).toBe(false);
        }
      }
      expect(verifyConsistency(n, n, root, root, [])).toBe(true);
      expect(verifyConsistency(n, n, root, root, [root])).toBe(false); // equal sizes, non-empty proof
      expect(verifyConsistency(0, n, EMPTY_ROOT, root, [])).toBe(true);
    }
  });
});
