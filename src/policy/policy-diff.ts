/** One line of a diff: kept (` `), removed (`-`) or added (`+`). */
export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
}

/**
 * Line diff by longest common subsequence. Policy documents are a few hundred lines, so the
 * quadratic table is small.
 */
export function diffLines(before: string, after: string): DiffLine[] {
  const a = before.split('\n');
  const b = after.split('\n');
  if (a[a.length - 1] === '') a.pop();
  if (b[b.length - 1] === '') b.pop();
  const n = a.length;
  const m = b.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: ' ', text: a[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ op: '-', text: a[i++]! });
    else out.push({ op: '+', text: b[j++]! });
  }
  while (i < n) out.push({ op: '-', text: a[i++]! });
  while (j < m) out.push({ op: '+', text: b[j++]! });
  return out;
}

const KEY_LINE = /^(\s*)(?:- )?("(?:[^"\\]|\\.)*"|'[^']*'|[^\s:#'"-][^:#]*?):(?:\s|$)/;

/**
 * The YAML mapping keys that enclose line `k` (its parents by indentation, outermost first), e.g.
 * `tiers.3.retirement` for a `graceDays:` line, so that a hunk says which part of the policy it is in.
 */
function yamlPathAt(lines: readonly DiffLine[], k: number): string {
  const indentOf = (text: string) => text.length - text.trimStart().length;
  let limit = indentOf(lines[k]!.text);
  const keys: string[] = [];
  for (let x = k - 1; x >= 0 && limit > 0; x--) {
    const line = lines[x]!;
    if (line.op === '+' && lines[k]!.op === '-') continue;
    if (line.op === '-' && lines[k]!.op !== '-') continue;
    const indent = indentOf(line.text);
    if (line.text.trim() === '' || indent >= limit) continue;
    const match = KEY_LINE.exec(line.text);
    limit = indent;
    if (!match || line.text.trimStart().startsWith('- ')) continue;
    keys.unshift(match[2]!.replace(/^["']|["']$/g, ''));
  }
  return keys.join('.');
}

/**
 * Renders changed lines with `context` unchanged lines around each change; empty when equal. Each
 * hunk opens with `@@ path @@`, the YAML keys around its first change (a bare `@@` when there are none).
 */
export function formatDiff(lines: DiffLine[], context = 3): string {
  const keep = new Array<boolean>(lines.length).fill(false);
  lines.forEach((line, k) => {
    if (line.op === ' ') return;
    for (let x = Math.max(0, k - context); x <= Math.min(lines.length - 1, k + context); x++) keep[x] = true;
  });
  const out: string[] = [];
  let inHunk = false;
  lines.forEach((line, k) => {
    if (!keep[k]) {
      inHunk = false;
      return;
    }
    if (!inHunk) {
      let first = k;
      while (first < lines.length && lines[first]!.op === ' ') first++;
      const path = first < lines.length ? yamlPathAt(lines, first) : '';
      if (path !== '') out.push(`@@ ${path} @@`);
      else if (out.length > 0) out.push('@@');
      inHunk = true;
    }
    out.push(`${line.op}${line.text}`);
  });
  return out.length === 0 ? '' : out.join('\n') + '\n';
}
