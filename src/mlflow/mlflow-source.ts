/** URI schemes a model version's `source` may use; the server never opens a source itself. */
export const SOURCE_SCHEMES = ['s3', 'gs', 'https', 'mlflow-artifacts', 'models', 'runs'] as const;

/** Percent-decodes until the text stops changing (a few rounds), so `%252e%252e` is seen as `..`. */
function decodeFully(text: string): string {
  let current = text;
  for (let round = 0; round < 5; round++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return current;
    }
    if (next === current) return current;
    current = next;
  }
  return current;
}

/**
 * Why a version source is refused, or null when it is kept as given: one of the schemes in
 * {@link SOURCE_SCHEMES}, and — after percent-decoding until stable — no `..` segment anywhere
 * (path, query or fragment), no backslash and no NUL. `file:`, other schemes and relative paths
 * are refused: the MLflow CVEs (CVE-2023-1177, CVE-2023-6831, CVE-2024-0520) all began with a
 * source or path that reached the server's own files.
 */
export function sourceProblem(source: string): string | null {
  if (source.length === 0) return 'source is empty';
  if (source.length > 4096) return 'source is longer than 4096 characters';
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(source)?.[1]?.toLowerCase();
  if (scheme === undefined)
    return `source "${source}" is a relative path; give a URI with one of the schemes ${SOURCE_SCHEMES.join(', ')}`;
  if (!(SOURCE_SCHEMES as readonly string[]).includes(scheme))
    return `source scheme "${scheme}:" is not accepted; use one of ${SOURCE_SCHEMES.join(', ')}`;
  const decoded = decodeFully(source);
  if (decoded.includes('\0')) return 'source holds a NUL character';
  if (decoded.includes('\\')) return 'source holds a backslash';
  if (decoded.split(/[/?#&=;]/).some((segment) => segment === '..'))
    return 'source holds a ".." path segment';
  return null;
}
