import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../core/canonical-json.js';
import { canonicalObject, canonicalValue } from './canonical-record.js';

/** A deterministic pseudo-random JSON value, with the key shapes and scalars ingestion sees. */
function generator(seed: number) {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648), s / 2147483648);
  const keys = [
    'a',
    'b',
    'B',
    '_',
    'é',
    '\u{1F600}',
    '\uFB33',
    '10',
    '2',
    '__proto__',
    'key with "quote"',
    '',
  ];
  const scalar = (): unknown => {
    const r = next();
    if (r < 0.2) return Math.round(next() * 1e6) / 100 - 5000;
    if (r < 0.3) return next() * 1e-9;
    if (r < 0.35) return -0;
    if (r < 0.4) return 1e21 * next();
    if (r < 0.6) return `v${Math.floor(next() * 10)}\n"\\${String.fromCharCode(Math.floor(next() * 0x2000))}`;
    if (r < 0.7) return next() < 0.5;
    if (r < 0.8) return null;
    if (r < 0.85) return undefined;
    return [scalar(), scalar()];
  };
  const object = (depth: number): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const k of keys) if (next() < 0.5) out[k] = depth > 0 && next() < 0.3 ? object(depth - 1) : scalar();
    return out;
  };
  return object;
}

describe('canonical JSON of records', () => {
  it('writes exactly what the generic canonical JSON writes, for many shapes and values', () => {
    const object = generator(7);
    for (let i = 0; i < 3000; i++) {
      // JSON.parse gives the objects ingestion sees (an own "__proto__" member included).
      const value = JSON.parse(JSON.stringify(object(2))) as Record<string, unknown>;
      expect(canonicalObject(value)).toBe(canonicalJson(value));
      expect(canonicalValue(value)).toBe(canonicalJson(value));
    }
  });

  it('sorts by UTF-16 code units and drops undefined members', () => {
    expect(
      canonicalObject({ '\uFB33': 1, '\u{1F600}': 2, b: undefined, a: [1, 'x'], '10': true, '9': null }),
    ).toBe('{"10":true,"9":null,"a":[1,"x"],"\u{1F600}":2,"\uFB33":1}');
  });

  it('hands each member text to the caller once', () => {
    const seen: string[] = [];
    const text = canonicalObject({ z: { b: 1, a: 2 }, y: 'q' }, (key, member) =>
      seen.push(`${key}=${member}`),
    );
    expect(text).toBe('{"y":"q","z":{"a":2,"b":1}}');
    expect(seen).toEqual(['y="q"', 'z={"a":2,"b":1}']);
  });

  it('refuses what canonical JSON refuses', () => {
    expect(() => canonicalObject({ a: Number.POSITIVE_INFINITY })).toThrow(/cannot encode Infinity/);
  });
});
