/** Renders one value for a table cell: `-` for nothing, JSON for objects. */
function cellText(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return JSON.stringify(v);
}

/** `championVersion` → `CHAMPION VERSION`. */
const headerOf = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toUpperCase();

/**
 * Lays rows out as an aligned text table under upper-case headers; columns are taken from
 * `columns` in order, each as wide as its header or its widest cell.
 */
export function formatTable(rows: Array<Record<string, unknown>>, columns: string[]): string {
  const headers = columns.map(headerOf);
  const widths = columns.map((c, i) =>
    Math.max(headers[i]!.length, ...rows.map((r) => cellText(r[c]).length)),
  );
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map((r) => line(columns.map((c) => cellText(r[c]))))].join('\n') + '\n';
}

/** Prints rows as an aligned text table (see {@link formatTable}). */
export function printTable(rows: Array<Record<string, unknown>>, columns: string[]): void {
  process.stdout.write(formatTable(rows, columns));
}

/** Prints `key: value` lines for one object. */
export function printRecord(record: Record<string, unknown>, keys: string[]): void {
  const width = Math.max(...keys.map((k) => k.length));
  for (const k of keys) process.stdout.write(`${k.padEnd(width)}  ${cellText(record[k])}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
