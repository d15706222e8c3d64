import { useLocation } from 'preact-iso';
import { api, enc, query } from '../api';
import { useCheckedWrite } from '../checked-write';
import { Badge, ErrorBox, Facts, Loading, TableWrap, num, time } from '../components/ui';
import { WriteOutcomeNote } from '../components/write-outcome';
import { useDraft } from '../drafts';
import { useApi, useTitle } from '../hooks';
import { holdsAny, useSession } from '../session';

interface Alert {
  id: string;
  model: string;
  version: string;
  rule: string;
  feature?: string;
  severity: string;
  status: string;
  value: number | null;
  threshold: number | null;
  detail?: string;
  openedAt: string;
  lastSeenAt: string;
  occurrences: number;
  escalationLevel?: number;
  comments?: { at: string; by: string; action: string; comment?: string }[];
  // An incident's own evidence: a signal's rate against its baseline, and the test that judged it.
  signal?: string;
  segment?: string;
  count?: number;
  rate?: number;
  baselineRate?: number;
  baselineWindows?: number;
  test?: string;
  z?: number;
  pValue?: number;
  window?: { from: string; to: string; records: number };
  exampleRecordIds?: string[];
}
interface Incident {
  id: string;
  model?: string;
  status: string;
  severity?: string;
  title?: string;
  openedAt?: string;
}
interface Page<T> {
  items: T[];
}
const OPERATORS = ['operations', 'mlops', 'ml-engineer'];

/** Alerts and incidents, newest first, filtered by status and model. */
export function AlertsPage() {
  useTitle('Alerts');
  const location = useLocation();
  const status = location.query.status ?? 'open';
  const model = location.query.model;
  const alerts = useApi<Page<Alert>>(
    `/alerts${query({ status: status === 'all' ? undefined : status, model, limit: 200 })}`,
  );
  const incidents = useApi<Page<Incident>>(`/incidents${query({ model, limit: 50 })}`);
  return (
    <>
      <h1>Alerts and incidents</h1>
      <div class="filters">
        <div class="field">
          <label for="status">Status</label>
          <select
            id="status"
            value={status}
            onChange={(e) => location.route(`/alerts${query({ status: e.currentTarget.value, model })}`)}
          >
            {['open', 'acknowledged', 'resolved', 'all'].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        {model ? <p>Model: {model}</p> : null}
      </div>
      {alerts.error ? <ErrorBox error={alerts.error} /> : null}
      {!alerts.data && !alerts.error ? <Loading what="alerts" /> : null}
      {alerts.data ? (
        alerts.data.items.length === 0 ? (
          <p class="muted">No alert.</p>
        ) : (
          <TableWrap label="Alerts">
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Alert</th>
                  <th scope="col">Severity</th>
                  <th scope="col">Status</th>
                  <th scope="col">Model</th>
                  <th scope="col">Check</th>
                  <th scope="col">Value / threshold</th>
                  <th scope="col">Opened</th>
                </tr>
              </thead>
              <tbody>
                {alerts.data.items.map((a) => (
                  <tr key={a.id}>
                    <th scope="row">
                      <a href={`/alerts/${enc(a.id)}`}>{a.id}</a>
                    </th>
                    <td>
                      <Badge value={a.severity} />
                    </td>
                    <td>
                      <Badge value={a.status} />
                    </td>
                    <td>
                      <a href={`/models/${enc(a.model)}`}>{a.model}</a> {a.version}
                    </td>
                    <td>
                      {a.rule}
                      {a.feature ? ` · ${a.feature}` : ''}
                    </td>
                    <td>
                      {num(a.value)} / {num(a.threshold)}
                    </td>
                    <td>{time(a.openedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )
      ) : null}
      <h2 class="spaced">Incidents</h2>
      {incidents.error ? <ErrorBox error={incidents.error} /> : null}
      {(incidents.data?.items ?? []).length === 0 ? <p class="muted">No incident.</p> : null}
      <ul>
        {(incidents.data?.items ?? []).map((i) => (
          <li key={i.id}>
            <a href={`/incidents/${enc(i.id)}`}>{i.id}</a> {i.title ?? ''} <Badge value={i.status} />{' '}
            {i.model ?? ''}
          </li>
        ))}
      </ul>
    </>
  );
}

/** One alert (or incident): facts, timeline, acknowledge and resolve with a comment. */
export function AlertPage({ id }: { id: string }) {
  const location = useLocation();
  const kind = location.path.startsWith('/incidents') ? 'incidents' : 'alerts';
  useTitle(`${kind === 'alerts' ? 'Alert' : 'Incident'} ${id}`);
  const session = useSession();
  const item = useApi<Alert>(`/${kind}/${enc(id)}`);
  const [comment, setComment, clearComment] = useDraft(`${session.principal}/${kind}/${id}`);
  const { outcome, run } = useCheckedWrite();
  const busy = outcome.state === 'sending' || outcome.state === 'unknown';
  if (item.error) return <ErrorBox error={item.error} />;
  if (!item.data) return <Loading what={kind === 'alerts' ? 'alert' : 'incident'} />;
  const a = item.data;
  const act = async (action: 'acknowledge' | 'resolve') => {
    const path = `/${kind}/${enc(id)}`;
    const done = action === 'acknowledge' ? 'acknowledged' : 'resolved';
    const result = await run({
      send: () => api.post(`${path}/${action}`, comment.trim() ? { comment: comment.trim() } : {}),
      applied: async () =>
        ((await api.get<Alert>(path)).comments ?? []).some(
          (c) => c.by === session.principal && c.action === done,
        ),
      done: `${kind === 'alerts' ? 'Alert' : 'Incident'} ${done}.`,
      notApplied: `It was not ${done}.`,
    });
    if (result.state === 'applied') clearComment();
    if (result.state === 'applied' || (result.state === 'failed' && result.action !== 'Not known'))
      item.reload();
  };
  const mayAct = holdsAny(session, OPERATORS) && a.status !== 'resolved';
  return (
    <>
      <p class="muted small">
        <a href="/alerts">Alerts</a> / {a.id}
      </p>
      <h1>
        {kind === 'alerts' ? 'Alert' : 'Incident'} {a.id} <Badge value={a.status} />
      </h1>
      <section class="card" aria-label="Facts">
        <Facts
          items={
            kind === 'incidents'
              ? [
                  [
                    'Model',
                    <a key="m" href={`/models/${enc(a.model)}`}>{`${a.model} ${a.version ?? ''}`}</a>,
                  ],
                  ['Signal', `${a.signal ?? '—'}${a.segment ? ` · ${a.segment}` : ''}`],
                  [
                    'Rate',
                    `${num(a.rate)} (${a.count ?? 0} of ${a.window?.records ?? 0} records) against ${num(a.baselineRate)} over ${a.baselineWindows ?? 0} windows`,
                  ],
                  ['Test', `${a.test ?? '—'}: z ${num(a.z)}, p ${num(a.pValue, 3)}`],
                  ['Window', a.window ? `${time(a.window.from)} – ${time(a.window.to)}` : '—'],
                  [
                    'Examples',
                    (a.exampleRecordIds ?? []).length === 0
                      ? '—'
                      : (a.exampleRecordIds ?? []).map((r, i) => (
                          <span key={r}>
                            {i > 0 ? ', ' : ''}
                            <a
                              href={`/predictions/${enc(r)}${query({ model: a.model, version: a.version })}`}
                            >
                              {r}
                            </a>
                          </span>
                        )),
                  ],
                  ['Opened', time(a.openedAt)],
                  ['Last seen', time(a.lastSeenAt)],
                  ['Occurrences', a.occurrences],
                ]
              : [
                  ['Severity', a.severity ? <Badge value={a.severity} /> : '—'],
                  [
                    'Model',
                    a.model ? <a href={`/models/${enc(a.model)}`}>{`${a.model} ${a.version ?? ''}`}</a> : '—',
                  ],
                  ['Check', `${a.rule ?? ''}${a.feature ? ` · ${a.feature}` : ''}`],
                  ['Value', num(a.value)],
                  ['Threshold', num(a.threshold)],
                  ['Opened', time(a.openedAt)],
                  ['Last seen', time(a.lastSeenAt)],
                  ['Occurrences', a.occurrences],
                  ['Escalation level', a.escalationLevel ?? '—'],
                ]
          }
        />
        {a.detail ? <p>{a.detail}</p> : null}
      </section>
      <section class="card" aria-labelledby="timeline">
        <h2 id="timeline">Timeline</h2>
        <ol class="timeline">
          <li>opened · {time(a.openedAt)}</li>
          {(a.comments ?? []).map((c, i) => (
            <li key={i}>
              {c.action} by {c.by} · {time(c.at)}
              {c.comment ? <div class="muted">“{c.comment}”</div> : null}
            </li>
          ))}
        </ol>
      </section>
      {mayAct ? (
        <section class="card" aria-labelledby="act">
          <h2 id="act">Act on it</h2>
          <label for="alert-comment">Comment</label>
          <textarea id="alert-comment" value={comment} onInput={(e) => setComment(e.currentTarget.value)} />
          <div class="actions">
            {a.status === 'open' ? (
              <button type="button" disabled={busy} onClick={() => void act('acknowledge')}>
                Acknowledge
              </button>
            ) : null}
            <button type="button" class="secondary" disabled={busy} onClick={() => void act('resolve')}>
              Resolve
            </button>
          </div>
        </section>
      ) : null}
      <WriteOutcomeNote outcome={outcome} />
    </>
  );
}
