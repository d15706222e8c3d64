import { enc } from '../api';
import { ErrorBox, Loading, TableWrap, time } from '../components/ui';
import { useApi, useTitle } from '../hooks';

interface Report {
  id: string;
  kind: string;
  model: string;
  version: string | null;
  period: { from: string; to: string };
  generatedAt: string;
  generatedBy: string;
}
interface Page<T> {
  items: T[];
}

/** Stored reports (periodic monitoring reports, post-implementation reviews), downloadable. */
export function ReportsPage() {
  useTitle('Reports');
  const reports = useApi<Page<Report>>('/reports?limit=200');
  return (
    <>
      <h1>Reports</h1>
      <p class="muted">
        Offline drift and evaluation reports are made on your machine with <code>warden drift</code> and{' '}
        <code>warden evaluate</code> (no server involved), so they are not listed here.
      </p>
      {reports.error ? <ErrorBox error={reports.error} /> : null}
      {!reports.data && !reports.error ? <Loading what="reports" /> : null}
      {reports.data ? (
        reports.data.items.length === 0 ? (
          <p class="muted">No report stored yet.</p>
        ) : (
          <TableWrap label="Reports">
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Report</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Model</th>
                  <th scope="col">Period</th>
                  <th scope="col">Generated</th>
                  <th scope="col">Download</th>
                </tr>
              </thead>
              <tbody>
                {reports.data.items.map((r) => (
                  <tr key={r.id}>
                    <th scope="row">{r.id}</th>
                    <td>{r.kind}</td>
                    <td>
                      {r.model} {r.version ?? ''}
                    </td>
                    <td>
                      {time(r.period.from)} – {time(r.period.to)}
                    </td>
                    <td>
                      {time(r.generatedAt)} by {r.generatedBy}
                    </td>
                    <td>
                      <a href={`/api/v1/reports/${enc(r.id)}?format=html`} target="_blank" rel="noopener">
                        HTML
                      </a>{' '}
                      ·{' '}
                      <a href={`/api/v1/reports/${enc(r.id)}?format=md`} download>
                        Markdown
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )
      ) : null}
    </>
  );
}
