import { enc, query } from '../api';
import { ColumnHeads, ErrorBox, Loading, TableWrap, num, time } from '../components/ui';
import { useApi } from '../hooks';
import { RecentAlerts, StatusBadge } from './monitoring-views';

/** One stored monitoring result, as `GET …/monitoring` answers it. */
export interface CheckResult {
  id: string;
  rule: string;
  feature?: string;
  segment?: string;
  value: number | null;
  threshold: number | null;
  status: string;
  n?: number;
  observed?: number;
  baseline?: number;
  detail?: string;
  window: { from: string; to: string; records: number };
  evaluatedAt: string;
}

const NO_DATA = 'no data';
const STATUS_ORDER = ['alert', 'warning', 'insufficient_data', 'ok'];

/** A number with its unit, or "no data" (never 0 or NaN for a missing value). */
function show(value: number | null | undefined, unit = ''): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return NO_DATA;
  return `${num(value)}${unit}`;
}
const pct = (fraction: number | null | undefined) =>
  fraction === null || fraction === undefined ? NO_DATA : show(fraction * 100, ' %');

/** The newest result of each check (rule, feature, segment) among results listed newest first. */
export function latestPerCheck(results: CheckResult[]): Map<string, CheckResult> {
  const latest = new Map<string, CheckResult>();
  for (const r of results) {
    const key = `${r.rule}|${r.feature ?? ''}|${r.segment ?? ''}`;
    if (!latest.has(key)) latest.set(key, r);
  }
  return latest;
}

function Status({ of }: { of: (CheckResult | undefined)[] }) {
  const present = of.filter((r): r is CheckResult => r !== undefined);
  if (present.length === 0) return <span class="muted">{NO_DATA}</span>;
  const worst = STATUS_ORDER.find((s) => present.some((r) => r.status === s)) ?? present[0]!.status;
  return <StatusBadge status={worst} />;
}

const f1 = (p: number | null | undefined, r: number | null | undefined) =>
  p === null || p === undefined || r === null || r === undefined || p + r === 0
    ? null
    : (2 * p * r) / (p + r);

const PERFORMANCE: [string, string][] = [
  ['accuracy_decay', 'Accuracy'],
  ['precision_decay', 'Precision'],
  ['recall_decay', 'Recall'],
  ['rmse_increase', 'RMSE'],
  ['mae_increase', 'MAE'],
  ['mape_increase', 'MAPE'],
  ['r2_decay', 'R²'],
];
const FRACTIONS = new Set(['accuracy_decay', 'precision_decay', 'recall_decay']);

/**
 * The real-time view of a model, laid out as the monitoring dashboard of the governance standard
 * draws it: service against its SLA, performance now against the validated baseline, performance
 * per segment, data drift (PSI per feature by feature group, distribution tests, missing values,
 * new categories), concept drift and calibration, and the alerts of the last seven days. Every
 * value is the newest result of its check; a check never evaluated says "no data".
 */
export function RealTimeView({ model, now }: { model: string; now: number }) {
  const list = useApi<{ items: CheckResult[] }>(`/models/${enc(model)}/monitoring${query({ limit: 1000 })}`);
  if (list.error) return <ErrorBox error={list.error} />;
  if (!list.data) return <Loading what="the real-time view" />;
  const latest = latestPerCheck(list.data.items);
  const all = [...latest.values()];
  const get = (rule: string, feature?: string) => latest.get(`${rule}|${feature ?? ''}|`);
  const newest = list.data.items[0];
  const latP95 = get('latency_p95');
  const latP99 = get('latency_p99');
  const errors = get('error_rate');
  const throughput = get('throughput');
  const cost = get('cost_per_1k');
  const performance = PERFORMANCE.flatMap(([rule, name]) => {
    const r = get(rule);
    return r ? [{ rule, name, r }] : [];
  });
  const precision = get('precision_decay');
  const recall = get('recall_decay');
  const segments = [...new Set(all.flatMap((r) => (r.segment !== undefined ? [r.segment] : [])))].sort();
  const seg = (rule: string, segment: string) => latest.get(`${rule}|${''}|${segment}`);
  const overall = (rule: string) => all.filter((r) => r.rule === rule && r.segment === undefined);
  const drift = overall('data_drift');
  const missing = overall('missing_increase');
  const newCategories = overall('new_categories');
  const brier = get('brier_drift');
  const concept = ['prediction_drift', 'label_drift'].flatMap((rule) => overall(rule));
  return (
    <section class="card realtime" aria-labelledby="realtime">
      <h2 id="realtime">Real-time view</h2>
      <p class="muted small">
        {newest
          ? `Newest results of each check; the latest window ended ${time(newest.window.to)} (${newest.window.records.toLocaleString('en')} records). A check never evaluated says “no data”.`
          : 'No monitoring result yet: every cell says “no data”.'}
      </p>

      <h3 id="rt-infrastructure">Infrastructure</h3>
      <TableWrap label="Infrastructure metrics">
        <table class="data">
          <ColumnHeads names={['Metric', 'Current', 'p95', 'p99', 'SLA target', 'Status']} />
          <tbody>
            <tr>
              <th scope="row">Inference latency</th>
              <td>{NO_DATA}</td>
              <td>{show(latP95?.value, ' ms')}</td>
              <td>{show(latP99?.value, ' ms')}</td>
              <td>
                {latP95?.threshold != null || latP99?.threshold != null
                  ? [
                      latP95?.threshold != null ? `p95 < ${num(latP95.threshold)} ms` : null,
                      latP99?.threshold != null ? `p99 < ${num(latP99.threshold)} ms` : null,
                    ]
                      .filter(Boolean)
                      .join(', ')
                  : 'not set'}
              </td>
              <td>
                <Status of={[latP95, latP99]} />
              </td>
            </tr>
            <tr>
              <th scope="row">Request error rate</th>
              <td>{show(errors?.value, ' %')}</td>
              <td>{NO_DATA}</td>
              <td>{NO_DATA}</td>
              <td>{errors?.threshold != null ? `< ${num(errors.threshold)} %` : 'not set'}</td>
              <td>
                <Status of={[errors]} />
              </td>
            </tr>
            <tr>
              <th scope="row">Throughput</th>
              <td>{show(throughput?.value, ' req/min')}</td>
              <td>{NO_DATA}</td>
              <td>{NO_DATA}</td>
              <td>{throughput?.threshold != null ? `> ${num(throughput.threshold)} req/min` : 'not set'}</td>
              <td>
                <Status of={[throughput]} />
              </td>
            </tr>
            {cost ? (
              <tr>
                <th scope="row">Cost per 1,000 predictions</th>
                <td>{show(cost.value)}</td>
                <td>{NO_DATA}</td>
                <td>{NO_DATA}</td>
                <td>{cost.threshold != null ? `< ${num(cost.threshold)}` : 'not set'}</td>
                <td>
                  <Status of={[cost]} />
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </TableWrap>
      <p class="muted small">CPU, memory and GPU utilisation are not reported to Warden.</p>

      <h3 id="rt-performance">Model performance: now against the baseline</h3>
      <TableWrap label="Performance now against the baseline">
        <table class="data">
          <ColumnHeads names={['Metric', 'Current', 'Baseline', 'Change', 'Status']} />
          <tbody>
            {performance.length === 0 ? (
              <tr>
                <td colSpan={5}>{NO_DATA}</td>
              </tr>
            ) : null}
            {performance.map(({ rule, name, r }) => {
              const fraction = FRACTIONS.has(rule);
              const change =
                r.observed !== undefined && r.baseline !== undefined ? r.observed - r.baseline : undefined;
              return (
                <tr key={rule}>
                  <th scope="row">{name}</th>
                  <td>{fraction ? pct(r.observed) : show(r.observed)}</td>
                  <td>{fraction ? pct(r.baseline) : show(r.baseline)}</td>
                  <td>
                    {fraction
                      ? change === undefined
                        ? NO_DATA
                        : show(change * 100, ' points')
                      : show(change)}
                  </td>
                  <td>
                    <Status of={[r]} />
                  </td>
                </tr>
              );
            })}
            {precision && recall ? (
              <tr>
                <th scope="row">F1</th>
                <td>{pct(f1(precision.observed, recall.observed))}</td>
                <td>{pct(f1(precision.baseline, recall.baseline))}</td>
                <td>{NO_DATA}</td>
                <td>
                  <span class="muted">not judged</span>
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </TableWrap>

      <h3 id="rt-segments">Performance per segment</h3>
      {segments.length === 0 ? (
        <p class="muted">{NO_DATA}: no segment evaluated.</p>
      ) : (
        <TableWrap label="Performance per segment">
          <table class="data">
            <ColumnHeads names={['Segment', 'Precision', 'Recall', 'F1', 'Labelled records', 'Status']} />
            <tbody>
              {segments.map((s) => {
                const p = seg('precision_decay', s);
                const r = seg('recall_decay', s);
                const volume = p?.n ?? r?.n;
                return (
                  <tr key={s}>
                    <th scope="row">{s}</th>
                    <td>{pct(p?.observed)}</td>
                    <td>{pct(r?.observed)}</td>
                    <td>{pct(f1(p?.observed, r?.observed))}</td>
                    <td>{volume === undefined ? NO_DATA : volume.toLocaleString('en')}</td>
                    <td>
                      <Status of={[p, r]} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      )}

      <h3 id="rt-drift">Data drift</h3>
      <TableWrap label="PSI by feature group">
        <table class="data">
          <ColumnHeads names={['Feature', 'PSI', 'Threshold', 'Status', 'Distribution test']} />
          <tbody>
            <tr class="group">
              <th scope="colgroup" colSpan={5}>
                ungrouped
              </th>
            </tr>
            {drift.length === 0 ? (
              <tr>
                <td colSpan={5}>{NO_DATA}</td>
              </tr>
            ) : null}
            {drift.map((r) => (
              <tr key={r.feature}>
                <th scope="row">{r.feature}</th>
                <td>{show(r.value)}</td>
                <td>{show(r.threshold)}</td>
                <td>
                  <Status of={[r]} />
                </td>
                <td class="wrap small">{r.detail ?? NO_DATA}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      <p class="muted small">
        Features carry no group in the registry, so they are listed as “ungrouped”. For numeric features the
        distribution test gives the Kolmogorov–Smirnov distance and its asymptotic p-value, each with the
        bounds the window's sketches allow; for categories, the chi-square p-value.
      </p>
      <TableWrap label="Missing values and new categories">
        <table class="data">
          <ColumnHeads names={['Check', 'Feature', 'Value', 'Threshold', 'Status', 'How it was judged']} />
          <tbody>
            {missing.length + newCategories.length === 0 ? (
              <tr>
                <td colSpan={6}>{NO_DATA}</td>
              </tr>
            ) : null}
            {[...missing, ...newCategories].map((r) => (
              <tr key={r.id}>
                <th scope="row">
                  {r.rule === 'missing_increase' ? 'Missing value rate increase' : 'New categories'}
                </th>
                <td>{r.feature ?? 'all'}</td>
                <td>{show(r.value, r.rule === 'missing_increase' ? ' points' : '')}</td>
                <td>{show(r.threshold)}</td>
                <td>
                  <Status of={[r]} />
                </td>
                <td class="wrap small">{r.detail ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>

      <h3 id="rt-concept">Concept drift and calibration</h3>
      <TableWrap label="Concept drift and calibration">
        <table class="data">
          <ColumnHeads names={['Check', 'Current', 'Baseline', 'Status']} />
          <tbody>
            {concept.map((r) => (
              <tr key={r.id}>
                <th scope="row">
                  {r.rule === 'prediction_drift' ? 'Prediction distribution PSI' : 'Label distribution PSI'}
                </th>
                <td>{show(r.value)}</td>
                <td>{NO_DATA}</td>
                <td>
                  <Status of={[r]} />
                </td>
              </tr>
            ))}
            <tr>
              <th scope="row">Calibration (Brier score)</th>
              <td>{show(brier?.observed)}</td>
              <td>{show(brier?.baseline)}</td>
              <td>
                <Status of={[brier]} />
              </td>
            </tr>
          </tbody>
        </table>
      </TableWrap>

      <h3 id="rt-alerts">Alerts (last 7 days)</h3>
      <RecentAlerts model={model} now={now} />
    </section>
  );
}
