/** Prints rows as an aligned text table; columns are taken from `columns` in order. */
export function printTable(rows: Array<Record<string, unknown>>, columns: string[]): void {
  const cell = (v: unknown): string => {
    if (v === null || v === undefined) return '-';
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v as string | number | boolean);
  };
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  process.stdout.write(line(columns.map((c) => c.toUpperCase())) + '\n');
  for (const r of rows) process.stdout.write(line(columns.map((c) => cell(r[c]))) + '\n');
}

/** Prints `key: value` lines for one object. */
export function printRecord(record: Record<string, unknown>, keys: string[]): void {
  const width = Math.max(...keys.map((k) => k.length));
  for (const k of keys) {
    const v = record[k];
    const text =
      v === null || v === undefined ? '-' : typeof v === 'object' ? JSON.stringify(v) : String(v as string);
    process.stdout.write(`${k.padEnd(width)}  ${text}\n`);
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
