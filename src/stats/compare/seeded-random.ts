/**
 * A seeded pseudo-random generator (xoshiro128**, state filled by splitmix32), the only source
 * of randomness of the comparison code: the same seed always yields the same stream.
 */
export interface SeededRandom {
  /** Next 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform integer in [0, bound), without modulo bias; bound in [1, 2³²]. */
  nextInt(bound: number): number;
  /** Uniform double in [0, 1) with 53 random bits. */
  nextFloat(): number;
}

function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
}

const rotl = (x: number, k: number): number => (x << k) | (x >>> (32 - k));

/**
 * The xoshiro128** step function (Blackman & Vigna) over a four-word state; returns a function
 * yielding successive 32-bit outputs. An all-zero state is replaced, being a fixed point.
 */
export function xoshiro128StarStar(state: readonly [number, number, number, number]): () => number {
  let [s0, s1, s2, s3] = state.map((w) => w >>> 0) as [number, number, number, number];
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  return () => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };
}

/**
 * Creates a generator from a seed: a non-negative safe integer. Both 32-bit halves of the seed
 * select the stream.
 */
export function createSeededRandom(seed: number): SeededRandom {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`seed must be a non-negative safe integer, got ${String(seed)}`);
  }
  const low = seed % 2 ** 32;
  const high = Math.floor(seed / 2 ** 32);
  const fill = splitmix32((low ^ Math.imul(high, 0x85ebca6b)) >>> 0);
  const nextUint32 = xoshiro128StarStar([fill(), fill(), fill(), fill()]);
  return {
    nextUint32,
    nextInt(bound: number): number {
      if (!Number.isInteger(bound) || bound < 1 || bound > 2 ** 32) {
        throw new RangeError(`nextInt: bound must be an integer in [1, 2^32], got ${bound}`);
      }
      // Rejection sampling: accept draws below the largest multiple of bound that fits in 2^32.
      const limit = 2 ** 32 - (2 ** 32 % bound);
      for (;;) {
        const r = nextUint32();
        if (r < limit) return r % bound;
      }
    },
    nextFloat(): number {
      return ((nextUint32() >>> 5) * 2 ** 26 + (nextUint32() >>> 6)) / 2 ** 53;
    },
  };
}
