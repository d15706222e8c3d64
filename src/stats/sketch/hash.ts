/** MurmurHash3 x86 32-bit finaliser mixing of one 32-bit block into h. */
function mixBlock(h: number, k0: number): number {
  let k = Math.imul(k0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  let x = h ^ k;
  x = (x << 13) | (x >>> 19);
  return (Math.imul(x, 5) + 0xe6546b64) | 0;
}

function finalise(h0: number, length: number): number {
  let h = h0 ^ length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** MurmurHash3-style 32-bit hash of a string's UTF-16 code units, two per block. */
export function hashString(s: string, seed: number): number {
  let h = seed | 0;
  let i = 0;
  for (; i + 1 < s.length; i += 2) h = mixBlock(h, s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
  if (i < s.length) h = mixBlock(h, s.charCodeAt(i));
  return finalise(h, s.length);
}

const scratch = new DataView(new ArrayBuffer(8));

/** 32-bit hash of a double's bit pattern (−0 hashed as 0). */
export function hashNumber(x: number, seed: number): number {
  scratch.setFloat64(0, x === 0 ? 0 : x);
  let h = seed | 0;
  h = mixBlock(h, scratch.getInt32(0));
  h = mixBlock(h, scratch.getInt32(4));
  return finalise(h, 8);
}
