import { countActiveAlerts } from '../alerts/alert.repository.js';
import type { Executor } from '../db/database.js';
import { countActiveIncidents } from '../incidents/incident.repository.js';
import { listMonitoringResults } from '../monitoring/monitoring.results.js';
import type { MetricFamily, Sample } from './exposition.js';
import { ingestionCounts } from './ingestion-counters.js';

/** Stored results read per model to find the latest value of each monitor. */
const LATEST_SCAN = 2000;

const STATUS_CODE: Record<string, number> = { ok: 0, warning: 1, alert: 2, insufficient_data: -1 };

/** The `model` label of every model beyond the cap, summed together. */
export const OTHER_MODELS = '_other';

/**
 * Sums samples whose labels became equal once model names beyond the cap were folded into
 * {@link OTHER_MODELS}.
 */
function sumByLabels(samples: Sample[]): Sample[] {
  const byKey = new Map<string, Sample>();
  for (const s of samples) {
    const key = JSON.stringify(s.labels);
    const seen = byKey.get(key);
    if (seen) seen.value += s.value;
    else byKey.set(key, { labels: s.labels, value: s.value });
  }
  return [...byKey.values()];
}

/**
 * Everything `/metrics` exposes, read now: this process's ingestion counters, the latest value,
 * threshold and status of every monitor (model, version, rule, feature, segment) from the stored
 * results, and the open alerts, incidents and retraining requests.
 *
 * Label cardinality stays bounded: only the first `maxModels` models by name carry their own
 * `model` label; counts of the others are summed under `model="_other"`, and their monitor
 * values are left out (`warden_metrics_models_unlabelled` says how many models that is).
 */
export async function collectMetrics(db: Executor, maxModels: number): Promise<MetricFamily[]> {
  const values: Sample[] = [];
  const thresholds: Sample[] = [];
  const statuses: Sample[] = [];
  const models = await db.selectFrom('models').select('name').orderBy('name').execute();
  const counted = ingestionCounts();
  const names = [...new Set([...models.map((m) => m.name), ...counted.map((c) => c.model)])].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const labelled = new Set(names.slice(0, maxModels));
  const modelLabel = (name: string) => (labelled.has(name) ? name : OTHER_MODELS);
  const ingestion = counted.map((c) => ({ ...c, model: modelLabel(c.model) }));
  for (const { name } of models) {
    if (!labelled.has(name)) continue;
    const { items } = await listMonitoringResults(db, { modelName: name, limit: LATEST_SCAN });
    const seen = new Set<string>();
    for (const r of items) {
      const labels = {
        model: name,
        version: r.version,
        rule: r.rule,
        feature: r.feature ?? '',
        segment: r.segment ?? '',
      };
      const key = JSON.stringify(labels);
      if (seen.has(key)) continue;
      seen.add(key);
      if (r.value !== null) values.push({ labels, value: r.value });
      if (r.threshold !== null) thresholds.push({ labels, value: r.threshold });
      statuses.push({ labels, value: STATUS_CODE[r.status] ?? -1 });
    }
  }
  const alerts = await countActiveAlerts(db);
  const incidents = await countActiveIncidents(db);
  const retraining = await db
    .selectFrom('retraining_requests')
    .select('model_name')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('open', '=', 1)
    .groupBy('model_name')
    .orderBy('model_name')
    .execute();
  return [
    {
      name: 'warden_ingested_records_total',
      help: 'Inference records accepted or rejected by this server process since it started (labels, feedback and reference records are not counted).',
      type: 'counter',
      samples: sumByLabels(
        ingestion.flatMap((c) => [
          { labels: { model: c.model, outcome: 'accepted' }, value: c.accepted },
          { labels: { model: c.model, outcome: 'rejected' }, value: c.rejected },
        ]),
      ),
    },
    {
      name: 'warden_monitor_value',
      help: 'Latest evaluated value of each monitor (PSI, decay in points, rates ...) per model, version, rule, feature and segment.',
      type: 'gauge',
      samples: values,
    },
    {
      name: 'warden_monitor_threshold',
      help: 'Threshold the latest value was judged against.',
      type: 'gauge',
      samples: thresholds,
    },
    {
      name: 'warden_monitor_status',
      help: 'Status of the latest evaluation: 0 ok, 1 warning, 2 alert, -1 insufficient data.',
      type: 'gauge',
      samples: statuses,
    },
    {
      name: 'warden_alerts_open',
      help: 'Alerts not yet resolved, by model, severity and status (open or acknowledged).',
      type: 'gauge',
      samples: sumByLabels(
        alerts.map((a) => ({
          labels: { model: modelLabel(a.model), severity: a.severity, status: a.status },
          value: a.count,
        })),
      ),
    },
    {
      name: 'warden_incidents_open',
      help: 'Incidents not yet resolved, by model and signal.',
      type: 'gauge',
      samples: sumByLabels(
        incidents.map((i) => ({ labels: { model: modelLabel(i.model), signal: i.signal }, value: i.count })),
      ),
    },
    {
      name: 'warden_retraining_requests_open',
      help: 'Retraining requests waiting for the pipeline, by model.',
      type: 'gauge',
      samples: sumByLabels(
        retraining.map((r) => ({ labels: { model: modelLabel(r.model_name) }, value: Number(r.count) })),
      ),
    },
    {
      name: 'warden_metrics_models_unlabelled',
      help: 'Models beyond WARDEN_METRICS_MODEL_LABELS: their counts are summed under model="_other" and their monitor values left out.',
      type: 'gauge',
      samples: [{ labels: {}, value: names.length - labelled.size }],
    },
  ];
}
