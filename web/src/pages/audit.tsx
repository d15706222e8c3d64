import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api, ApiError, query } from '../api';
import { ErrorBox, Loading, TableWrap, time } from '../components/ui';
import { useApi, useTitle } from '../hooks';

interface Entry {
  seq: number;
  at: string;
  actor: string;
  action: string;
  subject: string;
  change: unknown;
  hash: string;
}
interface Page<T> {
  items: T[];
  nextPageToken?: string;
}

/** The audit trail: filter, read an entry, see the signed head, run a verification. */
export function AuditPage() {
  useTitle('Audit');
  const location = useLocation();
  const q = location.query;
  const [form, setForm] = useState({
    actor: q.actor ?? '',
    action: q.action ?? '',
    subject: q.subject ?? '',
  });
  const entries = useApi<Page<Entry>>(
    `/audit${query({ actor: q.actor, action: q.action, subject: q.subject, limit: 100 })}`,
  );
  const head = useApi<Record<string, unknown>>('/audit/head');
  const [verdict, setVerdict] = useState<string | undefined>();
  const [open, setOpen] = useState<number | undefined>();
  const verify = async () => {
    setVerdict('Verifying…');
    try {
      const result = await api.post<Record<string, unknown>>('/audit/verify', {});
      setVerdict(JSON.stringify(result, null, 2));
    } catch (e) {
      setVerdict(e instanceof ApiError ? `Refused: ${e.message}` : String(e));
    }
  };
  return (
    <>
      <h1>Audit trail</h1>
      <form
        class="filters"
        role="search"
        aria-label="Filter audit entries"
        onSubmit={(e) => {
          e.preventDefault();
          location.route(`/audit${query(form)}`);
        }}
      >
        {(['actor', 'action', 'subject'] as const).map((k) => (
          <div class="field" key={k}>
            <label for={`audit-${k}`}>{k[0]!.toUpperCase() + k.slice(1)}</label>
            <input
              id={`audit-${k}`}
              value={form[k]}
              onInput={(e) => setForm({ ...form, [k]: e.currentTarget.value })}
            />
          </div>
        ))}
        <button type="submit">Filter</button>
      </form>
      <div class="grid">
        <section class="card" aria-labelledby="head">
          <h2 id="head">Signed head</h2>
          {head.error ? <ErrorBox error={head.error} /> : null}
          {head.data ? <pre>{JSON.stringify(head.data, null, 2)}</pre> : null}
          <button type="button" onClick={() => void verify()}>
            Verify the trail
          </button>
          {verdict ? <pre role="status">{verdict}</pre> : null}
        </section>
      </div>
      {entries.error ? <ErrorBox error={entries.error} /> : null}
      {!entries.data && !entries.error ? <Loading what="audit entries" /> : null}
      {entries.data ? (
        <TableWrap label="Audit entries">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Seq</th>
                <th scope="col">At</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Subject</th>
                <th scope="col">Detail</th>
              </tr>
            </thead>
            <tbody>
              {entries.data.items.map((e) => (
                <tr key={e.seq}>
                  <th scope="row">{e.seq}</th>
                  <td>{time(e.at)}</td>
                  <td>{e.actor}</td>
                  <td>{e.action}</td>
                  <td class="wrap">{e.subject}</td>
                  <td class="wrap">
                    <button
                      type="button"
                      class="link"
                      aria-expanded={open === e.seq}
                      onClick={() => setOpen(open === e.seq ? undefined : e.seq)}
                    >
                      {open === e.seq ? 'Hide' : 'Show'} entry {e.seq}
                    </button>
                    {open === e.seq ? <pre>{JSON.stringify(e, null, 2)}</pre> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
    </>
  );
}
