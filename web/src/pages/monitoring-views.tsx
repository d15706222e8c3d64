import { enc, query } from '../api';
import { LineChart } from '../components/chart';
import { Badge, ErrorBox, TableWrap, num, time } from '../components/ui';
import { useApi } from '../hooks';

/** One chart series of `GET …/monitoring/series`. */
export interface Series {
  rule: string;
  feature?: string;
  segment?: string;
  threshold: number | null;
  windowTo: string[];
  value: (number | null)[];
  records: number[];
  /** Records of each window that had a label when evaluated; null for older results. */
  labelled?: (number | null)[];
  status: string[];
  run: number[];
}

/** The topics of the real-time view, in the order a reader scans them. */
export const TOPICS = [
  'Service',
  'Performance with delayed labels',
  'Calibration',
  'Fairness per group',
  'Drift per feature',
  'Signals and feedback',
  'Other checks',
] as const;
export type Topic = (typeof TOPICS)[number];

const RULE_TOPICS: Record<string, Topic> = {
  error_rate: 'Service',
  latency_p95: 'Service',
  latency_p99: 'Service',
  throughput: 'Service',
  cost_per_1k: 'Service',
  accuracy_decay: 'Performance with delayed labels',
  precision_decay: 'Performance with delayed labels',
  recall_decay: 'Performance with delayed labels',
  rmse_increase: 'Performance with delayed labels',
  mae_increase: 'Performance with delayed labels',
  mape_increase: 'Performance with delayed labels',
  r2_decay: 'Performance with delayed labels',
  brier_drift: 'Calibration',
  fairness: 'Fairness per group',
  data_drift: 'Drift per feature',
  missing_increase: 'Drift per feature',
  new_categories: 'Drift per feature',
  schema_change: 'Drift per feature',
  prediction_drift: 'Drift per feature',
  label_drift: 'Drift per feature',
  safety_signal: 'Signals and feedback',
  negative_feedback_rate: 'Signals and feedback',
  token_usage: 'Signals and feedback',
};

export function topicOf(rule: string): Topic {
  if (rule.startsWith('signal_trend')) return 'Signals and feedback';
  return RULE_TOPICS[rule] ?? 'Other checks';
}

/** The series grouped by topic, topics in reading order, empty ones left out. */
export function byTopic(series: Series[]): [Topic, Series[]][] {
  return TOPICS.map((t): [Topic, Series[]] => [t, series.filter((s) => topicOf(s.rule) === t)]).filter(
    ([, list]) => list.length > 0,
  );
}

export const label = (s: { rule: string; feature?: string | undefined }) =>
  s.feature ? `${s.rule} · ${s.feature}` : s.rule;

export function StatusBadge({ status }: { status: string }) {
  const tone =
    status === 'alert' ? 'critical' : status === 'warning' ? 'medium' : status === 'ok' ? 'ok' : 'neutral';
  return <Badge value={tone} label={status.replace(/_/g, ' ')} />;
}

/**
 * What a performance point says: its value and verdict, or that its labels have not arrived yet
 * (no value). A value judged `insufficient data` rests on too few labels to tell a change of the
 * threshold's size from noise.
 */
function performanceCell(value: number | null | undefined, status: string | undefined) {
  if (status === undefined) return '—';
  if (value === null || value === undefined) return <span class="muted">waiting for labels</span>;
  return (
    <>
      {num(value)} <StatusBadge status={status} />
    </>
  );
}

/** "1,204 labelled of 5,000", or the record count alone for results stored before labels were counted. */
function labelledOf(row: { records: number; labelled: number | null } | undefined) {
  if (!row) return '—';
  const records = row.records.toLocaleString('en');
  return row.labelled === null
    ? `${records} records`
    : `${row.labelled.toLocaleString('en')} labelled of ${records}`;
}

/**
 * Performance as labels arrive: the newest windows, each with its records and every performance
 * check's value, or "waiting for labels" where the window was evaluated before enough had arrived.
 */
export function DelayedLabels({ series }: { series: Series[] }) {
  const performance = series.filter((s) => topicOf(s.rule) === 'Performance with delayed labels');
  if (performance.length === 0) return null;
  const rows = new Map<string, { records: number; labelled: number | null }>();
  for (const s of performance)
    s.windowTo.forEach((t, i) =>
      rows.set(t, { records: s.records[i] ?? 0, labelled: s.labelled?.[i] ?? null }),
    );
  const newest = [...rows.keys()].sort().reverse().slice(0, 8);
  const waiting = newest.filter((t) =>
    performance.every((s) => {
      const i = s.windowTo.lastIndexOf(t);
      return i < 0 || s.value[i] === null;
    }),
  ).length;
  return (
    <div>
      <h3 id="labels-per-window">Labels per window</h3>
      <p class="muted small">
        Performance rests on the records whose labels had arrived when the window was evaluated.{' '}
        {waiting > 0
          ? `${waiting} of the last ${newest.length} windows were still waiting for labels.`
          : `Every one of the last ${newest.length} windows had enough labels.`}
      </p>
      <TableWrap label="Labels per window">
        <table class="data">
          <thead>
            <tr>
              <th scope="col">Window end</th>
              <th scope="col">Labelled of records</th>
              {performance.map((s) => (
                <th scope="col" key={label(s)}>
                  {label(s)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {newest.map((t) => (
              <tr key={t}>
                <th scope="row">{time(t)}</th>
                <td>{labelledOf(rows.get(t))}</td>
                {performance.map((s) => {
                  const i = s.windowTo.lastIndexOf(t);
                  return <td key={label(s)}>{performanceCell(s.value[i], s.status[i])}</td>;
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </div>
  );
}

/** Several series on one time axis: the union of their window ends, a gap where one has no point. */
function aligned(series: Series[]): {
  times: number[];
  lines: { label: string; values: (number | null)[] }[];
} {
  const times = [...new Set(series.flatMap((s) => s.windowTo))].sort();
  const lines = series.map((s) => {
    const at = new Map(s.windowTo.map((t, i) => [t, s.value[i] ?? null]));
    return { label: s.segment ?? 'all', values: times.map((t) => at.get(t) ?? null) };
  });
  return { times: times.map((t) => Date.parse(t) / 1000), lines };
}

/**
 * Fairness per group: for each sensitive attribute the model is judged on, each group's recall
 * (true-positive rate) decay against the validated recall, from the segment series, charted
 * together and listed as they stand now. The equal-opportunity difference itself is the
 * `fairness` chart: the gap between the highest and the lowest group's true-positive rate.
 */
export function FairnessPerGroup({
  model,
  from,
  attributes,
  range,
}: {
  model: string;
  from: string;
  attributes: string[];
  range: [number, number];
}) {
  const groups = useApi<{ series: Series[] }>(
    attributes.length > 0
      ? `/models/${enc(model)}/monitoring/series${query({ from, rule: 'recall_decay', segments: 'true' })}`
      : null,
  );
  if (attributes.length === 0) return null;
  if (groups.error) return <ErrorBox error={groups.error} />;
  if (!groups.data) return null;
  return (
    <>
      {attributes.map((attribute) => {
        const own = groups.data!.series.filter((s) => s.segment?.startsWith(`${attribute}=`));
        if (own.length === 0)
          return (
            <p class="muted" key={attribute}>
              No per-group recall for {attribute} yet.
            </p>
          );
        const { times, lines } = aligned(own);
        const title = `Recall decay per ${attribute} group`;
        return (
          <div key={attribute} class="grid">
            <section class="card" aria-label={title}>
              <LineChart
                title={title}
                times={times}
                lines={lines}
                threshold={own[0]!.threshold}
                range={range}
              />
            </section>
            <section class="card" aria-label={`Groups of ${attribute} now`}>
              <p class="small muted">
                Recall (true-positive rate) below the validated one, in points, per group of {attribute}
              </p>
              <TableWrap label={`Groups of ${attribute}`}>
                <table class="data">
                  <thead>
                    <tr>
                      <th scope="col">Group</th>
                      <th scope="col">Recall decay</th>
                      <th scope="col">Status</th>
                      <th scope="col">Window end</th>
                    </tr>
                  </thead>
                  <tbody>
                    {own.map((s) => {
                      const i = s.value.length - 1;
                      return (
                        <tr key={s.segment}>
                          <th scope="row">{s.segment!.slice(attribute.length + 1)}</th>
                          <td>{s.value[i] === null ? 'waiting for labels' : num(s.value[i])}</td>
                          <td>
                            <StatusBadge status={s.status[i]!} />
                          </td>
                          <td>{time(s.windowTo[i])}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </TableWrap>
            </section>
          </div>
        );
      })}
    </>
  );
}

interface AlertRow {
  severity: string;
  status: string;
  openedAt: string;
}

/** Alerts of the model opened in the last seven days, by severity, with how many are still open. */
export function RecentAlerts({ model, now }: { model: string; now: number }) {
  const alerts = useApi<{ items: AlertRow[] }>(`/alerts${query({ model, limit: 200 })}`);
  if (alerts.error) return <ErrorBox error={alerts.error} />;
  if (!alerts.data) return null;
  const since = new Date(now - 7 * 86_400_000).toISOString();
  const recent = alerts.data.items.filter((a) => a.openedAt >= since);
  const count = (severity: string) => recent.filter((a) => a.severity === severity).length;
  const open = recent.filter((a) => a.status !== 'resolved').length;
  return (
    <p>
      Alerts opened in the last 7 days: {recent.length === 0 ? 'none' : null}
      {recent.length > 0
        ? ['critical', 'high', 'medium', 'low'].map((s) => `${count(s)} ${s}`).join(', ') +
          ` (${open} not resolved)`
        : null}
      . <a href={`/alerts${query({ model, status: 'all' })}`}>All alerts of {model}</a>
    </p>
  );
}
