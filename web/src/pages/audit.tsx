import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api, ApiError, query } from '../api';
import { ErrorBox, Facts, Loading, TableWrap, time } from '../components/ui';
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
interface SignedHead {
  seq: number;
  hash: string;
  at: string;
  signature: string;
  publicKey: string;
}
interface Verification {
  ok: boolean;
  entries: number;
  checkpoints: number;
  message: string;
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
  const head = useApi<SignedHead>('/audit/head');
  const [verdict, setVerdict] = useState<{ ok: boolean | null; text: string } | undefined>();
  const [open, setOpen] = useState<number | undefined>();
  const verify = async () => {
    setVerdict({ ok: null, text: 'Verifying the whole chain on the server…' });
    try {
      const result = await api.get<Verification>('/audit/verify');
      setVerdict({ ok: result.ok, text: result.message });
    } catch (e) {
      setVerdict({ ok: false, text: `Refused: ${e instanceof ApiError ? e.message : String(e)}` });
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
          {head.data ? (
            <Facts
              items={[
                ['Entries', head.data.seq],
                ['Newest entry hash', <code class="hash">{head.data.hash}</code>],
                ['Signed at', time(head.data.at)],
                ['Signature (Ed25519)', <code class="hash">{head.data.signature}</code>],
              ]}
            />
          ) : null}
          {head.data ? (
            <details>
              <summary>Public key</summary>
              <pre>{head.data.publicKey}</pre>
            </details>
          ) : null}
          <p class="muted small">
            Keep this head elsewhere: <code>warden audit verify --expect-head</code> then detects any later
            removal of entries up to it.
          </p>
          <button type="button" onClick={() => void verify()}>
            Verify the trail
          </button>
          <p role="status" class={verdict?.ok === false ? 'error' : verdict?.ok ? 'notice' : undefined}>
            {verdict?.text ?? ''}
          </p>
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
