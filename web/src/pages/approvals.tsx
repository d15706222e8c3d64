import { enc } from '../api';
import { Badge, ErrorBox, Loading, TableWrap, time } from '../components/ui';
import { useApi, useTitle } from '../hooks';
import { holdsAny, useSession } from '../session';

export interface RequiredRole {
  role: string;
  count: number;
  approvals: number;
  approvedBy: string[];
  satisfied: boolean;
}
interface ChangeRequest {
  id: string;
  kind: string;
  model: string | null;
  version: string | null;
  from: string | null;
  to: string | null;
  status: string;
  requestedBy: string;
  required: RequiredRole[];
  createdAt: string;
}
interface Page<T> {
  items: T[];
}

/** The change requests still open; "waiting for me" are those needing a role the principal holds. */
export function ApprovalsPage() {
  useTitle('Approvals');
  const session = useSession();
  const requested = useApi<Page<ChangeRequest>>('/change-requests?status=requested&limit=200');
  const inReview = useApi<Page<ChangeRequest>>('/change-requests?status=in_review&limit=200');
  const error = requested.error ?? inReview.error;
  if (error) return <ErrorBox error={error} />;
  if (!requested.data || !inReview.data) return <Loading what="change requests" />;
  const open = [...requested.data.items, ...inReview.data.items].sort((a, b) =>
    a.createdAt.localeCompare(b.createdAt),
  );
  const waiting = open.filter(
    (r) =>
      r.requestedBy !== session.principal &&
      r.required.some(
        (q) => !q.satisfied && !q.approvedBy.includes(session.principal) && holdsAny(session, [q.role]),
      ),
  );
  const table = (rows: ChangeRequest[], label: string) =>
    rows.length === 0 ? (
      <p class="muted">Nothing here.</p>
    ) : (
      <TableWrap label={label}>
        <table class="data">
          <thead>
            <tr>
              <th scope="col">Request</th>
              <th scope="col">Model</th>
              <th scope="col">Move</th>
              <th scope="col">Status</th>
              <th scope="col">Still needed</th>
              <th scope="col">Requested</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.id}>
                <th scope="row">
                  <a href={`/change-requests/${enc(r.id)}`}>{r.id}</a>
                </th>
                <td>{r.model ? `${r.model} ${r.version ?? ''}` : r.kind}</td>
                <td>{r.from && r.to ? `${r.from} → ${r.to}` : r.kind}</td>
                <td>
                  <Badge value={r.status} />
                </td>
                <td>
                  {r.required
                    .filter((q) => !q.satisfied)
                    .map((q) => `${q.role} ${q.approvals}/${q.count}`)
                    .join(', ') || 'approvals complete'}
                </td>
                <td class="wrap">
                  {time(r.createdAt)} by {r.requestedBy}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    );
  return (
    <>
      <h1>Approvals</h1>
      <section class="card" aria-labelledby="waiting">
        <h2 id="waiting">Waiting for me ({waiting.length})</h2>
        {table(waiting, 'Waiting for me')}
      </section>
      <section class="card" aria-labelledby="all-open">
        <h2 id="all-open">All open change requests ({open.length})</h2>
        {table(open, 'All open change requests')}
      </section>
    </>
  );
}
