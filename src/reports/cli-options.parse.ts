import { invalidInput } from '../core/errors.js';

/**
 * Parses repeated `name=value` option values (e.g. `--threshold age=0.2 income=0.1`) into a
 * record, with the value converted by `parse`; the last one wins for a repeated name.
 */
export function parseAssignments<T>(
  option: string,
  specs: readonly string[] | undefined,
  parse: (value: string, name: string) => T,
): Record<string, T> {
  const result: Record<string, T> = {};
  for (const spec of specs ?? []) {
    const at = spec.lastIndexOf('=');
    if (at <= 0 || at === spec.length - 1)
      throw invalidInput(`${option} expects column=value, got '${spec}'`, option);
    const name = spec.slice(0, at);
    result[name] = parse(spec.slice(at + 1), name);
  }
  return result;
}

/** Splits a comma-separated column list, trimming blanks. */
export function parseColumnList(option: string, list: string | undefined): string[] | undefined {
  if (list === undefined) return undefined;
  const names = list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  if (names.length === 0) throw invalidInput(`${option} names no column`, option);
  return [...new Set(names)];
}

/** Reads a finite number given on the command line. */
export function parseFiniteNumber(option: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value))
    throw invalidInput(`${option} must be a number, got '${text}'`, option);
  return value;
}
