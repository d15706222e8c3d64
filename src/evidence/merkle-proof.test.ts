import { createHash } from 'node:crypto';
import { expect, it } from 'vitest';
import { MerkleTree, rootFromInclusion } from './merkle-proof.js';

// Known answers from transparency-dev/merkle (testonly/constants.go), as listed in shared/reference/merkle-rfc6962.md.
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
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const leafHash = (hex: string) =>
  createHash('sha256')
    .update(Buffer.from([0]))
    .update(Buffer.from(hex, 'hex'))
    .digest();

it('computes the RFC 6962 roots of the reference trees of 1 to 8 leaves', () => {
  for (let n = 1; n <= 8; n++)
    expect(new MerkleTree(LEAVES.slice(0, n).map(leafHash)).root().toString('hex')).toBe(ROOTS[n - 1]);
});

it('gives audit paths that match the reference and lead back to the root, and fail when altered', () => {
  const tree = new MerkleTree(LEAVES.map(leafHash));
  const path0 = tree.inclusionPath(0).map((h) => h.toString('hex'));
  expect(path0[0]!.startsWith('96a296d2')).toBe(true);
  expect(path0[1]!.startsWith('5f083f0a')).toBe(true);
  expect(path0[2]!.startsWith('6b47aaf2')).toBe(true);
  for (let size = 1; size <= 8; size++) {
    const t = new MerkleTree(LEAVES.slice(0, size).map(leafHash));
    for (let i = 0; i < size; i++) {
      const path = t.inclusionPath(i);
      expect(rootFromInclusion(i, size, leafHash(LEAVES[i]!), path)?.toString('hex')).toBe(ROOTS[size - 1]);
      if (path.length) {
        const bad = [...path];
        bad[0] = Buffer.from(bad[0]!);
        bad[0][0] = bad[0][0]! ^ 1;
        expect(rootFromInclusion(i, size, leafHash(LEAVES[i]!), bad)?.toString('hex')).not.toBe(
          ROOTS[size - 1],
        );
      }
    }
  }
  expect(rootFromInclusion(8, 8, leafHash(''), [])).toBeNull();
});
