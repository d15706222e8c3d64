/**
 * SQL texts that PostgreSQL keeps prepared on each connection (named statements), so that a hot
 * read is parsed and planned once per connection instead of at every call. Only the fixed texts of
 * prepared queries are named: a name per text, never a name per call, keeps the per-connection
 * statement cache bounded.
 */
const names = new Map<string, string>();

/** Marks `sql` to be prepared server-side; answers its statement name. */
export function nameStatement(sql: string): string {
  let name = names.get(sql);
  if (!name) {
    name = `warden_${names.size + 1}`;
    names.set(sql, name);
  }
  return name;
}

/** The server-side name of `sql`, when it was marked by {@link nameStatement}. */
export function statementName(sql: string): string | undefined {
  return names.get(sql);
}
