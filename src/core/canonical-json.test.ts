import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';

describe('canonical JSON (RFC 8785)', () => {
  it('sorts keys by UTF-16 code units: the RFC 8785 §3.2.3 example', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // JSON.parse would put the integer-like key "1" first: read the order from the text.
    const text = canonicalJson(input);
    const positions = Object.values(input)
      .map((name) => [name, text.indexOf(`"${name}"`)] as const)
      .sort((a, b) => a[1] - b[1])
      .map(([name]) => name);
    expect(positions).toEqual([
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ]);
  });

  it('puts a key outside the BMP before U+FB33 (code units D83D… < FB33), unlike code-point order', () => {
    // Hand computed: U+1F600 is the surrogate pair D83D DE00; U+FB33 is one unit FB33 > D83D.
    expect(canonicalJson({ '\ufb33': 1, '\u{1f600}': 2, z: 3 })).toBe('{"z":3,"\u{1f600}":2,"\ufb33":1}');
    // U+10000 (D800 DC00) sorts before U+E000 in UTF-16, after it by code point.
    expect(canonicalJson({ '\ue000': 'a', '\u{10000}': 'b' })).toBe('{"\u{10000}":"b","\ue000":"a"}');
  });

  it('serialises numbers as ECMAScript does: the RFC 8785 Appendix B vectors', () => {
    const vectors: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [hex, expected] of vectors) {
      const value = Buffer.from(hex, 'hex').readDoubleBE(0);
      expect(canonicalJson(value), hex).toBe(expected);
    }
    expect(() => canonicalJson(Number.NaN)).toThrow();
    expect(() => canonicalJson(Number.POSITIVE_INFINITY)).toThrow();
  });

  it('escapes strings as RFC 8785 §3.2.2.2 does and drops whitespace', () => {
    const input = { literals: [null, true, false], string: '\u20ac$\u000f\nA\'B"\\\\"/' };
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });
});
