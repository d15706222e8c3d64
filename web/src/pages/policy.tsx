import { useState } from 'preact/hooks';
import { ErrorBox, Loading, TableWrap, time } from '../components/ui';
import { useApi, useTitle } from '../hooks';

interface PolicyVersion {
  version: number;
  document: Record<string, unknown>;
  createdAt: string;
  createdBy: string;
}
interface Summary {
  version: number;
  reason: string;
  createdAt: string;
  createdBy: string;
}
interface Page<T> {
  items: T[];
}

/** Lines of `b` not in `a` (+) and of `a` not in `b` (−), in order: a plain line diff. */
function diffLines(a: string[], b: string[]): { sign: '+' | '-' | ' '; text: string }[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: { sign: '+' | '-' | ' '; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ sign: ' ', text: a[i]! });
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) out.push({ sign: '-', text: a[i++]! });
    else out.push({ sign: '+', text: b[j++]! });
  }
  while (i < n) out.push({ sign: '-', text: a[i++]! });
  while (j < m) out.push({ sign: '+', text: b[j++]! });
  return out;
}

/** The policy in force, its history and the difference between two versions. */
export function PolicyPage() {
  useTitle('Policy');
  const current = useApi<PolicyVersion>('/policy');
  const history = useApi<Page<Summary>>('/policy/versions?limit=100');
  const [pair, setPair] = useState<[string, string]>(['', '']);
  const left = useApi<PolicyVersion>(pair[0] !== '' ? `/policy/versions/${pair[0]}` : null);
  const right = useApi<PolicyVersion>(pair[1] !== '' ? `/policy/versions/${pair[1]}` : null);
  const proposals = useApi<Page<{ id: string; status: string; requestedBy: string }>>(
    '/change-requests?kind=policy&limit=50',
  );
  if (current.error) return <ErrorBox error={current.error} />;
  if (!current.data) return <Loading what="policy" />;
  const versions = history.data?.items ?? [];
  const lines = (p: PolicyVersion | undefined) => (p ? JSON.stringify(p.document, null, 2).split('\n') : []);
  const diff =
    left.data && right.data
      ? diffLines(lines(left.data), lines(right.data)).filter((l) => l.sign !== ' ')
      : [];
  return (
    <>
      <h1>Governance policy</h1>
      <p>
        Version {current.data.version} in force since {time(current.data.createdAt)} (by{' '}
        {current.data.createdBy}).
      </p>
      <div class="grid">
        <section class="card" aria-labelledby="history">
          <h2 id="history">History</h2>
          <TableWrap label="Policy history">
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">When</th>
                  <th scope="col">By</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {versions.map((v) => (
                  <tr key={v.version}>
                    <th scope="row">{v.version}</th>
                    <td>{time(v.createdAt)}</td>
                    <td>{v.createdBy}</td>
                    <td class="wrap">{v.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <h3>Open proposals</h3>
          {(proposals.data?.items ?? []).filter((p) => ['requested', 'in_review'].includes(p.status))
            .length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <ul>
              {(proposals.data?.items ?? [])
                .filter((p) => ['requested', 'in_review'].includes(p.status))
                .map((p) => (
                  <li key={p.id}>
                    <a href={`/change-requests/${p.id}`}>{p.id}</a> by {p.requestedBy}
                  </li>
                ))}
            </ul>
          )}
        </section>
        <section class="card" aria-labelledby="diff">
          <h2 id="diff">Compare two versions</h2>
          <div class="filters">
            {(['From', 'To'] as const).map((label, k) => (
              <div class="field" key={label}>
                <label for={`diff-${k}`}>{label}</label>
                <select
                  id={`diff-${k}`}
                  value={pair[k]}
                  onChange={(e) => {
                    const next: [string, string] = [...pair];
                    next[k] = e.currentTarget.value;
                    setPair(next);
                  }}
                >
                  <option value="">choose</option>
                  {versions.map((v) => (
                    <option key={v.version} value={String(v.version)}>
                      version {v.version}
                    </option>
                  ))}
                </select>
              </div>
            ))}
          </div>
          {left.data && right.data ? (
            diff.length === 0 ? (
              <p class="muted">The two documents are the same.</p>
            ) : (
              <pre aria-label="Differences">
                {diff.map((l, i) => (
                  <div key={i} class={l.sign === '+' ? 'added' : 'removed'}>
                    {l.sign} {l.text}
                  </div>
                ))}
              </pre>
            )
          ) : null}
        </section>
      </div>
      <section class="card" aria-labelledby="document">
        <h2 id="document">Current document</h2>
        <pre tabIndex={0}>{JSON.stringify(current.data.document, null, 2)}</pre>
      </section>
    </>
  );
}
