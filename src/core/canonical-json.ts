/**
 * Canonical JSON as RFC 8785 (JCS) defines it: object keys sorted by their UTF-16 code units
 * (JavaScript's own string order, so a key outside the BMP sorts by its surrogates: U+1F600
 * before U+FB33), no whitespace, numbers and strings as ECMAScript's JSON serialisation prints
 * them; `undefined` members are dropped and dates written as ISO-8601 strings. Two equal values
 * always encode to the same string, which is what the audit chain and record digests hash.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonical JSON cannot encode ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      // `<` on strings compares UTF-16 code units, the order RFC 8785 §3.2.3 asks for.
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
}
