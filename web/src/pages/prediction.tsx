import { useLocation } from 'preact-iso';
import { api, enc, query, type ApiError } from '../api';
import { useCheckedWrite } from '../checked-write';
import { AttributionBars, type AdverseSign } from '../components/attribution-bars';
import { DecisionLookup } from '../components/decision-lookup';
import { Badge, ErrorBox, Facts, Loading, Section, TableWrap, num, time } from '../components/ui';
import { WriteOutcomeNote } from '../components/write-outcome';
import { useDraft } from '../drafts';
import { useApi, useTitle } from '../hooks';
import { holdsAny, useSession } from '../session';

interface Lineage {
  recordId: string;
  model: string;
  version: string;
  timestamp: string;
  receivedAt: string;
  inputHash: string;
  output: unknown;
  score: number | null;
  segment: Record<string, string> | null;
  attributions: Record<string, number> | null;
  attributionMethod: string | null;
  baseValue: number | null;
  rolloutVariant: 'champion' | 'candidate' | 'other' | null;
  label: unknown;
  labelledAt: string | null;
  probeOf: string | null;
  disputes: number;
}
type AdverseOutcome = { label: unknown } | { scoreAbove: number } | { scoreBelow: number };
interface Reasons {
  adverse: boolean;
  adverseOutcome: AdverseOutcome;
  reasonCodeRevision: number | null;
  reasons: { rank: number; feature: string; attribution: number; reason: string; coded: boolean }[];
}
export interface Dispute {
  id: string;
  model: string;
  version: string;
  recordId: string;
  statement: string;
  status: 'open' | 'investigating' | 'resolved' | 'rejected';
  assignee: string;
  dueAt: string;
  openedAt: string;
  openedBy: string;
  resolution: string | null;
  resolvedAt: string | null;
  overdue: boolean;
}

/** Roles that read every decision and list every dispute; anyone else only as the model's owner. */
const READERS = ['compliance', 'legal', 'auditor'];
/** Roles that only read: they neither open nor work disputes. */
const READ_ONLY = ['viewer', 'auditor'];

function show(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function describeOutcome(outcome: AdverseOutcome): string {
  if ('label' in outcome) return `the prediction ${show(outcome.label)}`;
  return 'scoreAbove' in outcome
    ? `a score above ${outcome.scoreAbove}`
    : `a score below ${outcome.scoreBelow}`;
}

/** One decision: its lineage, attributions, principal reasons, documents and disputes. */
export function PredictionPage({ recordId }: { recordId: string }) {
  useTitle(`Decision ${recordId}`);
  const location = useLocation();
  const session = useSession();
  const scope = { model: location.query.model, version: location.query.version };
  const lineage = useApi<Lineage>(`/predictions/${enc(recordId)}${query(scope)}`);
  const l = lineage.data;
  // Once the decision is found, every other view names its model and version, so none is ambiguous.
  const narrowed = l ? query({ model: l.model, version: l.version }) : '';
  const reasons = useApi<Reasons>(l ? `/predictions/${enc(recordId)}/reasons${narrowed}` : null);
  const model = useApi<{ owner: string }>(l ? `/models/${enc(l.model)}` : null);
  const disputes = useApi<{ items: Dispute[] }>(
    l ? `/disputes${query({ model: l.model, recordId, limit: 100 })}` : null,
  );

  const heading = (
    <>
      <p class="muted small">
        <a href="/predictions">Decisions</a> / {recordId}
      </p>
      <h1>Decision {recordId}</h1>
    </>
  );
  if (lineage.error)
    return (
      <>
        {heading}
        <LookupFailure error={lineage.error} recordId={recordId} />
      </>
    );
  if (!l)
    return (
      <>
        {heading}
        <Loading what="decision" />
      </>
    );

  const owner = model.data?.owner;
  const isOwner = owner !== undefined && owner === session.principal;
  const writes = session.roles.some((r) => !READ_ONLY.includes(r));
  const reads = holdsAny(session, READERS) || isOwner;
  const mayDispute = writes && reads;
  const outcome = reasons.data?.adverseOutcome;
  const sign: AdverseSign = outcome ? ('scoreBelow' in outcome ? -1 : 1) : undefined;
  const mine = (disputes.data?.items ?? []).filter((d) => d.version === l.version);
  const docs = `/api/v1/predictions/${enc(recordId)}`;
  const sum = l.attributions ? Object.values(l.attributions).reduce((a, b) => a + b, 0) : 0;

  return (
    <>
      <p class="muted small">
        <a href="/predictions">Decisions</a> / <a href={`/models/${enc(l.model)}`}>{l.model}</a> /{' '}
        <a href={`/models/${enc(l.model)}/versions/${enc(l.version)}`}>{l.version}</a> / {recordId}
      </p>
      <h1>
        Decision {recordId}{' '}
        {reasons.data ? (
          reasons.data.adverse ? (
            <Badge value="rejected" label="adverse" />
          ) : (
            <Badge value="ok" label="not adverse" />
          )
        ) : null}
      </h1>
      <Section title="Lineage">
        <Facts
          items={[
            ['Model', <a href={`/models/${enc(l.model)}`}>{l.model}</a>],
            ['Version', <a href={`/models/${enc(l.model)}/versions/${enc(l.version)}`}>{l.version}</a>],
            ['Output', show(l.output)],
            ['Score', num(l.score)],
            ['Timestamp', time(l.timestamp)],
            ['Received', time(l.receivedAt)],
            ['Input hash (SHA-256)', <code class="hash">{l.inputHash}</code>],
            [
              'Segment',
              l.segment && Object.keys(l.segment).length > 0
                ? Object.entries(l.segment)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(', ')
                : 'none',
            ],
            ['Rollout variant', l.rolloutVariant ?? 'no rollout at the time'],
            ['Label', l.label === null ? 'not known yet' : `${show(l.label)} (${time(l.labelledAt)})`],
            ['Disputes', l.disputes],
          ]}
        />
        {l.probeOf ? <p class="muted small">A perturbation probe of record {l.probeOf}.</p> : null}
      </Section>

      <Section title="Attributions">
        {l.attributions && Object.keys(l.attributions).length > 0 ? (
          <>
            <p class="muted small">
              {l.attributionMethod ?? 'Method not named'} · base value {num(l.baseValue)} + sum of
              attributions {num(sum)} = {num((l.baseValue ?? 0) + sum)} (score {num(l.score)}).{' '}
              {outcome
                ? `The adverse outcome of ${l.model} ${l.version} is ${describeOutcome(outcome)}.`
                : 'The version declares no adverse outcome, so each attribution is shown as raising or lowering the score.'}
            </p>
            <AttributionBars
              attributions={l.attributions}
              sign={sign}
              caption="Attributions, largest first"
            />
          </>
        ) : (
          <p class="muted">The serving stack sent no attributions with this record.</p>
        )}
      </Section>

      <Section title="Principal reasons">
        <ReasonsView reasons={reasons.data} error={reasons.error} />
      </Section>

      <Section title="Documents for the consumer">
        <ul class="documents">
          <li>
            <a href={`${docs}/explanation${query({ model: l.model, version: l.version, format: 'html' })}`}>
              Explanation of the decision (GDPR Art. 22)
            </a>{' '}
            ·{' '}
            <a
              href={`${docs}/explanation${query({ model: l.model, version: l.version, format: 'md' })}`}
              download
            >
              Markdown
            </a>
          </li>
          <li>
            {reasons.data?.adverse ? (
              <>
                <a
                  href={`${docs}/adverse-action-notice${query({ model: l.model, version: l.version, format: 'html' })}`}
                >
                  Adverse-action notice
                </a>{' '}
                ·{' '}
                <a
                  href={`${docs}/adverse-action-notice${query({ model: l.model, version: l.version, format: 'md' })}`}
                  download
                >
                  Markdown
                </a>
              </>
            ) : (
              <span class="muted">No adverse-action notice: the decision is not known to be adverse.</span>
            )}
          </li>
        </ul>
      </Section>

      <Section title="Disputes">
        {disputes.error ? (
          <p class="muted">
            {disputes.error.status === 403
              ? `This decision has ${l.disputes} dispute${l.disputes === 1 ? '' : 's'}; the list is shown to admin, compliance, legal, auditor and the model's owner.`
              : disputes.error.message}
          </p>
        ) : !disputes.data ? (
          <Loading what="disputes" />
        ) : mine.length === 0 ? (
          <p class="muted">No dispute of this decision.</p>
        ) : (
          <DisputeTable items={mine} label="Disputes of the decision" />
        )}
        {mine
          .filter(
            (d) =>
              writes &&
              (d.status === 'open' || d.status === 'investigating') &&
              (d.assignee === session.principal || reads),
          )
          .map((d) => (
            <WorkDispute key={d.id} dispute={d} onChanged={disputes.reload} />
          ))}
        {mayDispute ? (
          <OpenDispute
            recordId={recordId}
            model={l.model}
            version={l.version}
            onOpened={() => {
              disputes.reload();
              lineage.reload();
            }}
          />
        ) : null}
      </Section>
    </>
  );
}

function LookupFailure({ error, recordId }: { error: ApiError; recordId: string }) {
  if (error.status === 403)
    return (
      <section class="card" aria-labelledby="not-allowed">
        <h2 id="not-allowed">Not allowed</h2>
        <p>
          You may not read this decision. Decisions are read by admin, compliance, legal, auditor and the
          model's owner, and every read is recorded in the audit trail.
        </p>
        <p class="muted small">The server said: {error.message}</p>
      </section>
    );
  const versions = Array.isArray(error.details?.versions) ? (error.details.versions as string[]) : [];
  if (error.status === 409 && versions.length > 0)
    return (
      <section class="card" aria-labelledby="choose-version">
        <h2 id="choose-version">Several decisions have this record id</h2>
        <p>Record ids are unique per model version. Choose the version:</p>
        <ul>
          {versions.map((v) => {
            const at = v.lastIndexOf('@');
            const name = v.slice(0, at);
            const version = v.slice(at + 1);
            return (
              <li key={v}>
                <a href={`/predictions/${enc(recordId)}${query({ model: name, version })}`}>
                  {name} {version}
                </a>
              </li>
            );
          })}
        </ul>
      </section>
    );
  return (
    <>
      <ErrorBox error={error} />
      <section class="card">
        <DecisionLookup />
      </section>
    </>
  );
}

function ReasonsView({ reasons, error }: { reasons: Reasons | undefined; error: ApiError | undefined }) {
  // 409: the record has no attributions or the version no adverse outcome; the API's sentence says which.
  if (error) return error.status === 409 ? <p class="muted">{error.message}</p> : <ErrorBox error={error} />;
  if (!reasons) return <Loading what="reasons" />;
  if (!reasons.adverse)
    return (
      <p class="muted">
        This decision is not adverse (the adverse outcome is {describeOutcome(reasons.adverseOutcome)}), so it
        has no adverse-action reasons.
      </p>
    );
  if (reasons.reasons.length === 0)
    return <p class="muted">No attribution of this decision pushes toward the adverse outcome.</p>;
  return (
    <>
      <ol class="reasons" aria-label="Principal reasons, most important first">
        {reasons.reasons.map((r) => (
          <li key={r.feature}>
            <strong>{r.reason}</strong>{' '}
            <span class="muted small">
              ({r.feature}, {r.attribution > 0 ? '+' : ''}
              {num(r.attribution)}
              {r.coded ? '' : '; no reason code for this feature'})
            </span>
          </li>
        ))}
      </ol>
      <p class="muted small">
        {reasons.reasonCodeRevision === null
          ? 'The version has no reason codes: features are named as they are.'
          : `Reason codes of revision ${reasons.reasonCodeRevision}.`}
      </p>
    </>
  );
}

export function DisputeTable({
  items,
  label,
  withRecord = false,
}: {
  items: Dispute[];
  label: string;
  withRecord?: boolean;
}) {
  return (
    <TableWrap label={label}>
      <table class="data">
        <thead>
          <tr>
            <th scope="col">Dispute</th>
            {withRecord ? <th scope="col">Decision</th> : null}
            <th scope="col">Status</th>
            <th scope="col">Due</th>
            <th scope="col">Assignee</th>
            <th scope="col">Opened</th>
            <th scope="col" class="wrap text-column">
              Statement
            </th>
            <th scope="col" class="wrap text-column">
              Resolution
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((d) => (
            <tr key={d.id}>
              <th scope="row" class="dispute-id">
                <code>{d.id}</code>
              </th>
              {withRecord ? (
                <td>
                  <a href={`/predictions/${enc(d.recordId)}${query({ model: d.model, version: d.version })}`}>
                    {d.recordId}
                  </a>{' '}
                  <span class="muted small">
                    {d.model} {d.version}
                  </span>
                </td>
              ) : null}
              <td>
                <Badge value={d.status} /> {d.overdue ? <Badge value="critical" label="overdue" /> : null}
              </td>
              <td>{time(d.dueAt)}</td>
              <td>{d.assignee}</td>
              <td>
                {time(d.openedAt)}
                <div class="muted small">by {d.openedBy}</div>
              </td>
              <td class="wrap">{d.statement}</td>
              <td class="wrap">
                {d.resolution ?? '—'}
                {d.resolvedAt ? <div class="muted small">{time(d.resolvedAt)}</div> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function OpenDispute({
  recordId,
  model,
  version,
  onOpened,
}: {
  recordId: string;
  model: string;
  version: string;
  onOpened: () => void;
}) {
  const session = useSession();
  const [statement, setStatement, clear] = useDraft(
    `${session.principal}/dispute/${model}/${version}/${recordId}`,
  );
  const { outcome, run } = useCheckedWrite();
  const busy = outcome.state === 'sending' || outcome.state === 'unknown';
  const scope = query({ model, version });
  const submit = async (event: Event) => {
    event.preventDefault();
    const text = statement.trim();
    if (!text) return;
    const result = await run({
      send: () => api.post(`/predictions/${enc(recordId)}/disputes${scope}`, { statement: text }),
      applied: async () =>
        (
          await api.get<{ items: Dispute[] }>(`/disputes${query({ model, recordId, limit: 100 })}`)
        ).items.some(
          (d) => d.version === version && d.openedBy === session.principal && d.statement === text,
        ),
      done: 'Dispute opened.',
      notApplied: 'The dispute was not opened.',
    });
    if (result.state === 'applied') {
      clear();
      onOpened();
    }
  };
  return (
    <form class="spaced" onSubmit={(e) => void submit(e)} aria-labelledby="open-dispute">
      <h3 id="open-dispute">Open a dispute</h3>
      <label for="dispute-statement">Statement of what the consumer disputes</label>
      <textarea
        id="dispute-statement"
        value={statement}
        required
        maxLength={10000}
        onInput={(e) => setStatement(e.currentTarget.value)}
      />
      <p class="muted small">
        Assigned to the model's owner and due after the policy's dispute period. Personal data in the
        statement follows the server's PII mode.
      </p>
      <div class="actions">
        <button type="submit" disabled={busy || !statement.trim()}>
          Open dispute
        </button>
      </div>
      <WriteOutcomeNote outcome={outcome} />
    </form>
  );
}

function WorkDispute({ dispute, onChanged }: { dispute: Dispute; onChanged: () => void }) {
  const session = useSession();
  const [resolution, setResolution, clear] = useDraft(`${session.principal}/dispute/${dispute.id}`);
  const { outcome, run } = useCheckedWrite();
  const busy = outcome.state === 'sending' || outcome.state === 'unknown';
  const change = async (status: 'investigating' | 'resolved' | 'rejected') => {
    const text = resolution.trim();
    const result = await run({
      send: () =>
        api.patch(`/disputes/${enc(dispute.id)}`, { status, ...(text ? { resolution: text } : {}) }),
      applied: async () => (await api.get<Dispute>(`/disputes/${enc(dispute.id)}`)).status === status,
      done: status === 'investigating' ? 'Marked as investigating.' : `Dispute ${status}.`,
      notApplied: `The dispute was not ${status === 'investigating' ? 'changed' : status}.`,
    });
    if (result.state === 'applied') {
      if (status !== 'investigating') clear();
      onChanged();
    }
  };
  const field = `resolution-${dispute.id}`;
  return (
    <div class="work-dispute" role="group" aria-labelledby={`${field}-title`}>
      <h3 id={`${field}-title`}>Work on dispute {dispute.id}</h3>
      <label for={field}>Resolution</label>
      <textarea id={field} value={resolution} onInput={(e) => setResolution(e.currentTarget.value)} />
      <div class="actions">
        {dispute.status === 'open' ? (
          <button
            type="button"
            class="secondary"
            disabled={busy}
            onClick={() => void change('investigating')}
          >
            Mark investigating
          </button>
        ) : null}
        <button type="button" disabled={busy || !resolution.trim()} onClick={() => void change('resolved')}>
          Resolve
        </button>
        <button
          type="button"
          class="secondary"
          disabled={busy || !resolution.trim()}
          onClick={() => void change('rejected')}
        >
          Reject
        </button>
      </div>
      <WriteOutcomeNote outcome={outcome} />
    </div>
  );
}

/** The way in: look a decision up, and (for those who may list them) the newest disputes. */
export function DecisionsPage() {
  useTitle('Decisions');
  const location = useLocation();
  const status = location.query.status ?? 'open';
  const disputes = useApi<{ items: Dispute[] }>(
    `/disputes${query({ status: status === 'all' ? undefined : status, limit: 200 })}`,
  );
  return (
    <>
      <h1>Decisions</h1>
      <section class="card">
        <DecisionLookup />
      </section>
      <section class="card" aria-labelledby="disputes">
        <h2 id="disputes">Disputes</h2>
        <div class="filters">
          <div class="field">
            <label for="dispute-status">Status</label>
            <select
              id="dispute-status"
              value={status}
              onChange={(e) => location.route(`/predictions${query({ status: e.currentTarget.value })}`)}
            >
              {['open', 'investigating', 'resolved', 'rejected', 'all'].map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
        </div>
        {disputes.error ? (
          <p class="muted">
            {disputes.error.status === 403
              ? 'Disputes are listed for admin, compliance, legal and auditor; a model owner sees those of a decision on its page.'
              : disputes.error.message}
          </p>
        ) : !disputes.data ? (
          <Loading what="disputes" />
        ) : disputes.data.items.length === 0 ? (
          <p class="muted">No dispute{status === 'all' ? '' : ` with status ${status}`}.</p>
        ) : (
          <DisputeTable items={disputes.data.items} label="Disputes" withRecord />
        )}
      </section>
    </>
  );
}
