import { useState } from 'preact/hooks';
import { ApiError, download, enc } from '../api';
import { ErrorBox, Loading, TableWrap, time } from '../components/ui';
import { useApi, useTitle } from '../hooks';
import { holdsAny, useSession } from '../session';

/** The roles the API lets export an evidence pack. */
const EVIDENCE_ROLES = ['compliance', 'auditor'] as const;
const FRAMEWORKS: [string, string][] = [
  ['eu-ai-act', 'EU AI Act (Annex IV, Article 72)'],
  ['sr-26-2', 'SR 26-2'],
  ['nist-ai-rmf', 'NIST AI RMF'],
  ['iso-42001', 'ISO 42001'],
];

/** Exports a signed evidence pack (zip) of a model for a framework, for the roles allowed to. */
function EvidencePackExport() {
  const session = useSession();
  const [model, setModel] = useState('');
  const [version, setVersion] = useState('');
  const [framework, setFramework] = useState('eu-ai-act');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  if (!holdsAny(session, EVIDENCE_ROLES)) {
    return <p class="muted">Evidence packs are exported by the admin, compliance and auditor roles.</p>;
  }
  return (
    <section class="card" aria-labelledby="evidence-pack">
      <h2 id="evidence-pack">Evidence pack</h2>
      <p class="muted small">
        A signed zip of the model's documents, records and audit proofs, mapped to the framework's items (see{' '}
        <code>warden evidence verify</code>).
      </p>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          const name = model.trim();
          if (!name || busy) return;
          setBusy(true);
          setError(null);
          setDone(null);
          const filename = `evidence-${name}-${framework}.zip`;
          download(
            '/evidence-packs',
            { model: name, framework, ...(version.trim() ? { version: version.trim() } : {}) },
            filename,
          )
            .then(() => setDone(filename))
            .catch((err: unknown) =>
              setError(err instanceof ApiError ? err : new ApiError(0, 'internal', String(err))),
            )
            .finally(() => setBusy(false));
        }}
      >
        <div class="field">
          <label for="pack-model">Model</label>
          <input id="pack-model" required value={model} onInput={(e) => setModel(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="pack-version">Version (default: the champion)</label>
          <input id="pack-version" value={version} onInput={(e) => setVersion(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="pack-framework">Framework</label>
          <select id="pack-framework" value={framework} onChange={(e) => setFramework(e.currentTarget.value)}>
            {FRAMEWORKS.map(([id, name]) => (
              <option key={id} value={id}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Exporting…' : 'Export evidence pack'}
        </button>
      </form>
      {error ? <ErrorBox error={error} /> : null}
      {done ? <p role="status">Downloaded {done}.</p> : null}
    </section>
  );
}

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
      <EvidencePackExport />
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
