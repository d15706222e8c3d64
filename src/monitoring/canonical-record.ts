import { canonicalJson } from '../core/canonical-json.js';

/**
 * Canonical JSON (RFC 8785, as {@link canonicalJson} writes it) of ingestion records, fast: the
 * records of a batch share a few shapes (the same keys, the same features), so each shape's key
 * order and quoted key names are worked out once and reused, and scalar members are written
 * without the generic walk. The text is exactly what `canonicalJson` answers for the same value.
 */
interface Shape {
  /** Positions in `Object.keys` order, sorted by key (UTF-16 code units). */
  order: number[];
  /** `"key":` of each sorted member. */
  prefixes: string[];
}

/** Shapes seen lately; cleared when full, so a stream of odd shapes cannot grow it without bound. */
const shapes = new Map<string, Shape>();
const MAX_SHAPES = 1024;

function shapeOf(keys: string[]): Shape {
  const id = keys.join('\u0000');
  let shape = shapes.get(id);
  if (!shape) {
    const order = keys
      .map((_, i) => i)
      .sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
    shape = { order, prefixes: order.map((i) => `${JSON.stringify(keys[i])}:`) };
    if (shapes.size >= MAX_SHAPES) shapes.clear();
    shapes.set(id, shape);
  }
  return shape;
}

/** Canonical JSON of any JSON value; plain objects and scalars take the fast path. */
export function canonicalValue(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON cannot encode ${value}`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value) || value instanceof Date) return canonicalJson(value);
      return canonicalObject(value as Record<string, unknown>);
    default:
      return canonicalJson(value);
  }
}

/**
 * Canonical JSON of a plain object. `onMember`, when given, sees each member's canonical text
 * (to keep a nested member's text without encoding it twice).
 */
export function canonicalObject(
  value: Record<string, unknown>,
  onMember?: (key: string, text: string) => void,
): string {
  const keys = Object.keys(value);
  const { order, prefixes } = shapeOf(keys);
  let out = '{';
  let first = true;
  for (let j = 0; j < order.length; j++) {
    const key = keys[order[j]!]!;
    const member = value[key];
    if (member === undefined) continue;
    const text = canonicalValue(member);
    if (onMember) onMember(key, text);
    out += first ? prefixes[j]! + text : `,${prefixes[j]!}${text}`;
    first = false;
  }
  return `${out}}`;
}
