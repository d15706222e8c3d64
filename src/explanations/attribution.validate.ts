/**
 * What a serving stack sends about one prediction's explanation: per-feature attributions (SHAP,
 * LIME or its own method), the method's name and the base value the attributions add up from.
 * Pure: the monitoring ingestion calls it for each record.
 */

/** A record's validated attributions. Non-finite values were dropped (they count as missing). */
export interface AttributionInput {
  values: Record<string, number>;
  method?: string;
  baseValue?: number;
  /** Features whose attribution was sent but not finite (null, "NaN", "Infinity"). */
  missing?: string[];
}

/** A refusal: the path inside the record (`attributions.x`) and why. */
export interface AttributionProblem {
  path: string;
  message: string;
}

const MAX_NAME_LENGTH = 200;
const MAX_METHOD_LENGTH = 100;
const MAX_ATTRIBUTIONS = 5_000;
/** What JSON can carry of a non-finite number: null, or one of these spellings. */
const NON_FINITE_TEXT = new Set(['nan', 'infinity', '+infinity', '-infinity', 'inf', '+inf', '-inf']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads `attributions`, `attributionMethod` and `baseValue` of one record. `declared` is the
 * version's input schema as a set of names (empty when it declares none, in which case any feature
 * name passes). A feature the schema lacks is refused by name; a non-finite value is missing.
 */
export function readAttributions(
  raw: { attributions?: unknown; attributionMethod?: unknown; baseValue?: unknown },
  declared: ReadonlySet<string>,
): AttributionInput | AttributionProblem | undefined {
  if (raw.attributions === undefined) {
    if (raw.attributionMethod !== undefined || raw.baseValue !== undefined)
      return { path: 'attributions', message: 'required when attributionMethod or baseValue is sent' };
    return undefined;
  }
  if (!isPlainObject(raw.attributions))
    return { path: 'attributions', message: 'expected an object {feature: number}' };
  const entries = Object.entries(raw.attributions);
  if (entries.length > MAX_ATTRIBUTIONS)
    return { path: 'attributions', message: `at most ${MAX_ATTRIBUTIONS} features` };
  const values: Record<string, number> = {};
  const missing: string[] = [];
  for (const [name, value] of entries) {
    const path = `attributions.${name}`;
    if (name.length === 0 || name.length > MAX_NAME_LENGTH)
      return { path, message: 'feature names are 1–200 characters' };
    if (declared.size > 0 && !declared.has(name))
      return { path, message: `feature "${name}" is not in the version's input schema` };
    if (typeof value === 'number' && Number.isFinite(value)) values[name] = value;
    else if (value === null || (typeof value === 'string' && NON_FINITE_TEXT.has(value.trim().toLowerCase())))
      missing.push(name);
    else return { path, message: 'expected a number (or null / "NaN" for a missing attribution)' };
  }
  const out: AttributionInput = { values };
  if (missing.length > 0) out.missing = missing;
  if (raw.attributionMethod !== undefined) {
    if (
      typeof raw.attributionMethod !== 'string' ||
      raw.attributionMethod.length === 0 ||
      raw.attributionMethod.length > MAX_METHOD_LENGTH
    )
      return { path: 'attributionMethod', message: `expected a string of 1–${MAX_METHOD_LENGTH} characters` };
    out.method = raw.attributionMethod;
  }
  if (raw.baseValue !== undefined) {
    if (typeof raw.baseValue !== 'number' || !Number.isFinite(raw.baseValue))
      return { path: 'baseValue', message: 'expected a finite number' };
    out.baseValue = raw.baseValue;
  }
  return out;
}

/** Whether a {@link readAttributions} result is a refusal. */
export function isAttributionProblem(
  value: AttributionInput | AttributionProblem,
): value is AttributionProblem {
  return 'path' in value;
}

/** Stored form of a record's attributions: `{a: {feature: value}, m?: method, b?: baseValue}`. */
export interface StoredAttributions {
  a: Record<string, number>;
  m?: string;
  b?: number;
}

/** The compact text stored with the record. */
export function encodeAttributions(input: AttributionInput): string {
  const stored: StoredAttributions = { a: input.values };
  if (input.method !== undefined) stored.m = input.method;
  if (input.baseValue !== undefined) stored.b = input.baseValue;
  return JSON.stringify(stored);
}

/** Reads the stored text back; null when the record carried none. */
export function decodeAttributions(text: string | null): AttributionInput | null {
  if (text === null) return null;
  const stored = JSON.parse(text) as StoredAttributions;
  return {
    values: stored.a,
    ...(stored.m !== undefined ? { method: stored.m } : {}),
    ...(stored.b !== undefined ? { baseValue: stored.b } : {}),
  };
}
