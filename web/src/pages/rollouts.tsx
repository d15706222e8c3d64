import { useLocation } from 'preact-iso';
import { useState } from 'preact/hooks';
import { api, ApiError, enc, query } from '../api';
import { Badge, ErrorBox, Facts, Loading, Section, TableWrap, num, time } from '../components/ui';
import { useApi, useTitle } from '../hooks';
import { holdsAny, useSession } from '../session';

interface MetricResult {
  metric: string;
  counts: { champion: number; candidate: number };
  value: { champion: number | null; candidate: number | null };
  threshold: number | null;
  verdict: 'pass' | 'fail' | 'insufficient_data';
  blocking: boolean;
  pValue?: number;
}
interface Rollout {
  id: string;
  model: string;
  status: string;
  strategy: string;
  candidate: string;
  champion: string;
  changeRequestId: string;
  step: number;
  steps: number[];
  weights: { champion: number; candidate: number };
  stepStartedAt: string;
  nextAnalysisAt: string;
  verdict: 'pass' | 'fail' | 'insufficient_data' | null;
  analysis: MetricResult[];
  reason: string | null;
  createdBy: string;
  createdAt: string;
  endedAt: string | null;
}

/** Who may steer a rollout (the API's rule; it refuses anyone else anyway). */
const ROLLOUT_ROLES = ['mlops', 'operations'];
const STATUS_TONE: Record<string, string> = {
  pending: 'requested',
  progressing: 'staging',
  paused: 'acknowledged',
  succeeded: 'passed',
  aborted: 'failed',
};
const VERDICT_TONE: Record<string, string> = { pass: 'passed', fail: 'failed', insufficient_data: 'neutral' };

function StatusBadge({ status }: { status: string }) {
  return <Badge value={STATUS_TONE[status] ?? status} label={status} />;
}

function stepText(r: Rollout): string {
  return `${Math.min(r.step + 1, r.steps.length)} of ${r.steps.length}`;
}

/** The champion/candidate split as a bar, with the shares in words. */
function Weights({ weights }: { weights: Rollout['weights'] }) {
  return (
    <div class="weights">
      <div class="weights-bar" aria-hidden="true">
        <span class="champion" style={{ width: `${weights.champion}%` }} />
        <span class="candidate" style={{ width: `${weights.candidate}%` }} />
      </div>
      <span>
        champion {weights.champion} % · candidate {weights.candidate} %
      </span>
    </div>
  );
}

/** Rollouts, newest first: live step, weights and verdict. */
export function RolloutsPage() {
  useTitle('Rollouts');
  const location = useLocation();
  const status = location.query.status ?? '';
  const list = useApi<{ items: Rollout[] }>(`/rollouts${query({ status: status || undefined, limit: 200 })}`);
  return (
    <>
      <h1>Rollouts</h1>
      <div class="filters">
        <div class="field">
          <label for="rollout-status">Status</label>
          <select
            id="rollout-status"
            value={status}
            onChange={(e) =>
              location.route(`/rollouts${query({ status: e.currentTarget.value || undefined })}`)
            }
          >
            <option value="">all</option>
            {['pending', 'progressing', 'paused', 'succeeded', 'aborted'].map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
      </div>
      {list.error ? <ErrorBox error={list.error} /> : null}
      {!list.data && !list.error ? <Loading what="rollouts" /> : null}
      {list.data && list.data.items.length === 0 ? <p class="muted">No rollout.</p> : null}
      {list.data && list.data.items.length > 0 ? (
        <TableWrap label="Rollouts">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Strategy</th>
                <th scope="col">Status</th>
                <th scope="col">Candidate vs champion</th>
                <th scope="col">Step</th>
                <th scope="col">Weights</th>
                <th scope="col">Verdict</th>
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((r) => (
                <tr key={r.id}>
                  <th scope="row">
                    <a href={`/rollouts/${enc(r.model)}/${enc(r.id)}`}>{r.model}</a>
                  </th>
                  <td>{r.strategy}</td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td>
                    {r.candidate} vs {r.champion}
                  </td>
                  <td>{stepText(r)}</td>
                  <td>
                    {r.weights.candidate} % / {r.weights.champion} %
                  </td>
                  <td>
                    {r.verdict ? (
                      <Badge value={VERDICT_TONE[r.verdict]!} label={r.verdict.replace('_', ' ')} />
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>
                    {time(r.createdAt)} by {r.createdBy}
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

/** One rollout: the live step, weights, the latest analysis per metric and variant, and its controls. */
export function RolloutPage({ model, id }: { model: string; id: string }) {
  useTitle(`Rollout of ${model}`);
  const session = useSession();
  const item = useApi<Rollout>(`/models/${enc(model)}/rollouts/${enc(id)}`);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<string | undefined>();
  if (item.error) return <ErrorBox error={item.error} />;
  if (!item.data) return <Loading what="rollout" />;
  const r = item.data;
  const active = ['pending', 'progressing', 'paused'].includes(r.status);
  const control = async (action: 'pause' | 'resume' | 'promote' | 'abort') => {
    setBusy(true);
    setRefusal(undefined);
    try {
      await api.post(
        `/models/${enc(model)}/rollouts/${enc(id)}/${action}`,
        reason.trim() ? { reason: reason.trim() } : {},
      );
      setReason('');
      item.reload();
    } catch (e) {
      setRefusal(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <p class="muted small">
        <a href="/rollouts">Rollouts</a> / {r.model} / {r.id}
      </p>
      <h1>
        Rollout of {r.model} {r.candidate} <StatusBadge status={r.status} />
      </h1>
      <section class="card" aria-label="Facts">
        <Facts
          items={[
            ['Strategy', r.strategy],
            ['Candidate', <a href={`/models/${enc(r.model)}/versions/${enc(r.candidate)}`}>{r.candidate}</a>],
            ['Champion', <a href={`/models/${enc(r.model)}/versions/${enc(r.champion)}`}>{r.champion}</a>],
            [
              'Change request',
              <a href={`/change-requests/${enc(r.changeRequestId)}`}>{r.changeRequestId}</a>,
            ],
            ['Started', `${time(r.createdAt)} by ${r.createdBy}`],
            ['Step started', time(r.stepStartedAt)],
            ['Next analysis', active ? time(r.nextAnalysisAt) : '—'],
            ['Ended', time(r.endedAt)],
          ]}
        />
        {r.reason ? <p>{r.reason}</p> : null}
      </section>
      <div class="grid">
        <Section title="Steps">
          <ol class="steps">
            {r.steps.map((share, i) => (
              <li
                key={i}
                class={i < r.step ? 'done' : i === r.step ? 'current' : undefined}
                aria-current={i === r.step && active ? 'step' : undefined}
              >
                {share} % to the candidate
                {i === r.step && active ? ' · live' : i < r.step || r.status === 'succeeded' ? ' · done' : ''}
              </li>
            ))}
          </ol>
        </Section>
        <Section title="Weights now">
          <Weights weights={r.weights} />
        </Section>
      </div>
      <Section title="Analysis per metric">
        {r.verdict ? (
          <p>
            Latest verdict: <Badge value={VERDICT_TONE[r.verdict]!} label={r.verdict.replace('_', ' ')} />
          </p>
        ) : null}
        {r.analysis.length === 0 ? (
          <p class="muted">No analysis yet.</p>
        ) : (
          <TableWrap label="Analysis per metric and variant">
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Metric</th>
                  <th scope="col">Champion</th>
                  <th scope="col">Candidate</th>
                  <th scope="col">Threshold</th>
                  <th scope="col">Samples (champion / candidate)</th>
                  <th scope="col">p-value</th>
                  <th scope="col">Verdict</th>
                </tr>
              </thead>
              <tbody>
                {r.analysis.map((m) => (
                  <tr key={m.metric}>
                    <th scope="row">
                      {m.metric}
                      {m.blocking ? '' : ' (informative)'}
                    </th>
                    <td>{num(m.value.champion)}</td>
                    <td>{num(m.value.candidate)}</td>
                    <td>{num(m.threshold)}</td>
                    <td>
                      {m.counts.champion.toLocaleString('en')} / {m.counts.candidate.toLocaleString('en')}
                    </td>
                    <td>{m.pValue === undefined ? '—' : num(m.pValue)}</td>
                    <td>
                      <Badge value={VERDICT_TONE[m.verdict]!} label={m.verdict.replace('_', ' ')} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </Section>
      {active && holdsAny(session, ROLLOUT_ROLES) ? (
        <Section title="Steer the rollout">
          <label for="rollout-reason">Reason</label>
          <textarea id="rollout-reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          <div class="actions">
            {r.status === 'paused' ? (
              <button type="button" disabled={busy} onClick={() => void control('resume')}>
                Resume
              </button>
            ) : (
              <button type="button" class="secondary" disabled={busy} onClick={() => void control('pause')}>
                Pause
              </button>
            )}
            <button type="button" disabled={busy} onClick={() => void control('promote')}>
              {r.step >= r.steps.length - 1 ? 'Complete' : 'Next step'}
            </button>
            <button type="button" class="danger" disabled={busy} onClick={() => void control('abort')}>
              Abort and roll back
            </button>
          </div>
          {refusal ? <ErrorBox error={refusal} action="Refused" /> : null}
        </Section>
      ) : null}
    </>
  );
}
