import { emptySection, formatNumber, type DocumentChart, type DocumentSection } from '../documents/index.js';
import { tierPolicy } from '../policy/index.js';
import type { ReportFacts } from './report.facts.js';
import { median, metricsOf, minutesBetween, perClass } from './report-metrics.js';

/** A report's stored content: everything but its generation time and audit head, so equal inputs give equal bytes. */
export interface ReportContent {
  kind: 'periodic' | 'post-implementation-review';
  title: string;
  model: string;
  tier: number;
  version: string | null;
  deploymentId: string | null;
  period: { from: string; to: string };
  verdict: Verdict;
  sections: DocumentSection[];
}

export type Verdict = 'satisfactory' | 'needs-attention' | 'unsatisfactory' | 'no-data';

const f = formatNumber;
const epoch = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/** The monitors run in the period: counts per status and their values over time as charts. */
export function monitorsSection(facts: ReportFacts): DocumentSection {
  if (!facts.results.length)
    return emptySection('monitors', 'Monitors run and their results', 'no-data', [
      'No monitor evaluated this model in the period.',
    ]);
  const groups = new Map<string, typeof facts.results>();
  for (const r of facts.results) {
    const key = `${r.rule}\u0000${r.feature}\u0000${r.segment}`;
    let list = groups.get(key);
    if (!list) groups.set(key, (list = []));
    list.push(r);
  }
  const rows = [...groups.values()].map((list) => {
    const last = list[list.length - 1]!;
    const count = (s: string) => String(list.filter((r) => r.status === s).length);
    return [
      last.rule,
      last.feature || '—',
      last.segment || 'all',
      String(list.length),
      count('ok'),
      count('warning'),
      count('alert'),
      count('insufficient_data'),
      f(last.value),
      f(last.threshold),
      last.status,
    ];
  });
  // One chart per rule over the whole population, a series per feature (at most eight).
  const charts: DocumentChart[] = [];
  const rules = [...new Set(facts.results.filter((r) => r.segment === '').map((r) => r.rule))];
  for (const rule of rules) {
    const of = facts.results.filter((r) => r.rule === rule && r.segment === '');
    const features = [...new Set(of.map((r) => r.feature))].slice(0, 8);
    const xs = [...new Set(of.map((r) => r.windowTo))].sort();
    const index = new Map(xs.map((x, i) => [x, i]));
    const series = features.map((feature) => {
      const values: Array<number | null> = xs.map(() => null);
      for (const r of of) if (r.feature === feature) values[index.get(r.windowTo)!] = r.value;
      return { label: feature || rule, values };
    });
    const thresholds = [...new Set(of.map((r) => r.threshold))];
    charts.push({
      id: `monitor-${rule}`,
      title: `${rule} per window${thresholds.length === 1 && thresholds[0] !== null ? ' against its threshold' : ''}`,
      type: 'line',
      x: xs.map(epoch),
      series,
      threshold: thresholds.length === 1 ? thresholds[0] : null,
    });
  }
  return {
    ...emptySection('monitors', 'Monitors run and their results', 'present', [
      `${facts.results.length} evaluations of ${groups.size} monitors.`,
    ]),
    charts,
    tables: [
      {
        caption: 'Evaluations per monitor',
        columns: [
          'monitor',
          'feature',
          'segment',
          'evaluations',
          'ok',
          'warning',
          'alert',
          'insufficient data',
          'last value',
          'threshold',
          'last status',
        ],
        rows,
      },
    ],
  };
}

/** KPIs of the period against the tier's minimums and the version's validated figures, per class and per segment. */
export function kpiSection(facts: ReportFacts, baseline: Record<string, number>): DocumentSection {
  const all = facts.segments[''];
  if (!all || all.records === 0)
    return emptySection('kpis', 'KPIs against thresholds', 'no-data', [
      'No inference records were logged in the period.',
    ]);
  const v = tierPolicy(facts.policy, facts.model.riskTier).validation;
  const m = metricsOf(all);
  const decay = tierPolicy(facts.policy, facts.model.riskTier).monitoring.triggers;
  const allowedDrop: Record<string, number> = {
    accuracy: decay.accuracyDecayPct,
    precision: decay.precisionDecayPct,
    recall: decay.recallDecayPct,
  };
  const kpiRows = (['accuracy', 'precision', 'recall', 'f1', 'brier', 'errorRate'] as const).map((k) => {
    const value = m[k] ?? null;
    const min = v.minMetrics[k];
    const base = baseline[k];
    let status = value === null ? 'no labels' : 'ok';
    if (value !== null && min !== undefined && value < min) status = 'below minimum';
    else if (
      value !== null &&
      base !== undefined &&
      allowedDrop[k] !== undefined &&
      (base - value) * 100 > allowedDrop[k]
    )
      status = 'decayed beyond trigger';
    return [
      k,
      f(value),
      min === undefined ? '—' : f(min),
      base === undefined ? '—' : f(base),
      allowedDrop[k] === undefined ? '—' : `${allowedDrop[k]} pts`,
      status,
    ];
  });
  const classRows = all.labelled
    ? perClass(all).map((c) => [
        c.cls,
        String(c.support),
        String(c.predicted),
        f(c.precision),
        f(c.recall),
        f(c.f1),
      ])
    : [];
  const segmentRows = Object.entries(facts.segments)
    .filter(([s]) => s !== '')
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([s, t]) => {
      const sm = metricsOf(t);
      return [
        s,
        String(t.records),
        String(t.labelled),
        f(sm.accuracy),
        f(sm.precision),
        f(sm.recall),
        f(sm.brier),
      ];
    });
  const daily = facts.daily;
  const charts: DocumentChart[] = [
    {
      id: 'volume',
      title: 'Records per day',
      type: 'line',
      x: daily.map((d) => epoch(`${d.day}T00:00:00Z`)),
      series: [{ label: 'records', values: daily.map((d) => d.totals.records) }],
    },
    {
      id: 'accuracy',
      title: 'Accuracy per day (labelled records)',
      type: 'line',
      x: daily.map((d) => epoch(`${d.day}T00:00:00Z`)),
      series: [{ label: 'accuracy', values: daily.map((d) => metricsOf(d.totals).accuracy ?? null) }],
      threshold: v.minMetrics.accuracy ?? null,
    },
  ];
  const labels = Object.entries(all.labels).sort(([a], [b]) => (a < b ? -1 : 1));
  if (labels.length)
    charts.push({
      id: 'labels',
      title: 'Label classes (bars: a binary or categorical column is counted, not binned)',
      type: 'bars',
      x: labels.map((_, i) => i),
      categories: labels.map(([k]) => k),
      series: [{ label: 'records', values: labels.map(([, n]) => n) }],
    });
  return {
    ...emptySection('kpis', 'KPIs against thresholds', 'present', [
      `${all.records} records, ${all.labelled} with ground truth, ${all.errors} errors.`,
    ]),
    charts,
    tables: [
      {
        caption: 'KPIs over the period',
        columns: ['metric', 'period value', 'tier minimum', 'validated', 'allowed decay', 'status'],
        rows: kpiRows,
      },
      ...(classRows.length
        ? [
            {
              caption: 'Per class',
              columns: ['class', 'support', 'predicted', 'precision', 'recall', 'F1'],
              rows: classRows,
            },
          ]
        : []),
      ...(segmentRows.length
        ? [
            {
              caption: 'Per segment',
              columns: ['segment', 'records', 'labelled', 'accuracy', 'precision', 'recall', 'Brier'],
              rows: segmentRows,
            },
          ]
        : []),
    ],
  };
}

/** Alerts and incidents of the period with their times to acknowledge and resolve. */
export function alertSection(facts: ReportFacts): DocumentSection {
  const items = [
    ...facts.alerts.map((a) => ({
      kind: 'alert',
      id: a.id,
      what: `${a.rule} (${a.severity})`,
      status: a.status,
      openedAt: a.openedAt,
      ack: minutesBetween(a.openedAt, a.acknowledgedAt),
      res: minutesBetween(a.openedAt, a.resolvedAt),
    })),
    ...facts.incidents.map((i) => ({
      kind: 'incident',
      id: i.id,
      what: i.signal,
      status: i.status,
      openedAt: i.openedAt,
      ack: minutesBetween(i.openedAt, i.acknowledgedAt),
      res: minutesBetween(i.openedAt, i.resolvedAt),
    })),
  ];
  if (!items.length)
    return emptySection('alerts', 'Alerts and incidents', 'present', [
      'No alert or incident was open in the period.',
    ]);
  const acks = items.flatMap((i) => (i.ack === null ? [] : [i.ack]));
  const res = items.flatMap((i) => (i.res === null ? [] : [i.res]));
  return {
    ...emptySection('alerts', 'Alerts and incidents', 'present', [
      `${items.length} open in the period; median time to acknowledge ${f(median(acks))} min, to resolve ${f(median(res))} min; ${items.filter((i) => i.status !== 'resolved').length} still open.`,
    ]),
    tables: [
      {
        caption: 'Alerts and incidents',
        columns: ['kind', 'id', 'what', 'status', 'opened', 'minutes to acknowledge', 'minutes to resolve'],
        rows: items.map((i) => [i.kind, i.id, i.what, i.status, i.openedAt, f(i.ack), f(i.res)]),
      },
    ],
  };
}

function retrainingSection(facts: ReportFacts): DocumentSection {
  if (!facts.retraining.length)
    return emptySection('retraining', 'Retraining decisions', 'present', [
      'No retraining was requested in the period.',
    ]);
  return {
    ...emptySection('retraining', 'Retraining decisions', 'present'),
    tables: [
      {
        caption: 'Retraining requests',
        columns: ['request', 'status', 'reasons', 'requested', 'outcome', 'produced version'],
        rows: facts.retraining.map((r) => [
          r.id,
          r.status,
          r.reasons,
          r.createdAt,
          r.outcome ?? '—',
          r.producedVersion ?? '—',
        ]),
      },
    ],
  };
}

/** Decisions people contested (FCRA disputes) or opted out of (CCPA), with the time disputes took to close. */
function decisionRightsSection(facts: ReportFacts): DocumentSection {
  const d = facts.decisionRights;
  if (d.disputesOpened === 0 && d.disputesClosed === 0 && d.disputesOpen === 0 && d.optOuts === 0)
    return emptySection('decision-rights', 'Disputes and opt-outs', 'present', [
      'No decision was disputed and no one opted out of automated decisions.',
    ]);
  return {
    ...emptySection('decision-rights', 'Disputes and opt-outs', 'present'),
    tables: [
      {
        caption: 'Disputes and opt-outs',
        columns: ['measure', 'value'],
        rows: [
          ['disputes opened in the period', String(d.disputesOpened)],
          ['disputes closed in the period', String(d.disputesClosed)],
          ['disputes still open at the end of the period', String(d.disputesOpen)],
          ['median days to close', d.medianDaysToClose === null ? '—' : d.medianDaysToClose.toFixed(1)],
          ['opt-outs recorded by the end of the period', String(d.optOuts)],
        ],
      },
    ],
  };
}

function actionsSection(facts: ReportFacts): DocumentSection {
  const rows = [
    ...facts.changes.map((c) => [
      c.executedAt ?? '—',
      'change request',
      `${c.kind} ${c.version ?? ''} ${c.from ?? ''} → ${c.to ?? ''}`.trim(),
      c.status,
    ]),
    ...facts.deployments.map((d) => [
      d.deployedAt,
      'deployment',
      `${d.version} to ${d.environment}/${d.target}`,
      d.status,
    ]),
  ];
  if (!rows.length)
    return emptySection('actions', 'Actions taken', 'present', [
      'No change request or deployment in the period.',
    ]);
  return {
    ...emptySection('actions', 'Actions taken', 'present'),
    tables: [{ caption: 'Changes and deployments', columns: ['at', 'kind', 'what', 'status'], rows }],
  };
}

/** The verdict: no data; unsatisfactory with an alert still open or a KPI below its minimum; needs attention after any alert; else satisfactory. */
export function verdictOf(facts: ReportFacts, kpis: DocumentSection): Verdict {
  if (!facts.results.length && !(facts.segments['']?.records ?? 0)) return 'no-data';
  const kpiBad =
    kpis.tables[0]?.rows.some((r) => r[5] === 'below minimum' || r[5] === 'decayed beyond trigger') ?? false;
  const openAlert =
    facts.alerts.some((a) => a.status !== 'resolved') || facts.incidents.some((i) => i.status !== 'resolved');
  if (kpiBad || openAlert) return 'unsatisfactory';
  if (facts.alerts.length || facts.incidents.length || facts.results.some((r) => r.status === 'alert'))
    return 'needs-attention';
  return 'satisfactory';
}

function recommendations(facts: ReportFacts, verdict: Verdict, kpis: DocumentSection): string[] {
  const out: string[] = [];
  if (verdict === 'no-data')
    out.push(
      'Log inference records and ground truth for this model (warden ingest), so its performance can be assessed.',
    );
  if (facts.alerts.some((a) => a.status !== 'resolved'))
    out.push(
      'Acknowledge and resolve the open alerts (SOP-1013 6.3: investigate drift or underperformance).',
    );
  if (kpis.tables[0]?.rows.some((r) => r[5] !== 'ok' && r[5] !== 'no labels'))
    out.push(
      'A KPI is below its minimum or decayed beyond its trigger: consider retraining (SOP-1013 6.4) and revalidation (6.6).',
    );
  if (facts.results.some((r) => r.rule.includes('drift') && r.status === 'alert'))
    out.push(
      'Drift was detected: compare the current population with the training data and review the features involved.',
    );
  if ((facts.segments['']?.records ?? 0) > 0 && (facts.segments['']?.labelled ?? 0) === 0)
    out.push(
      'No ground-truth labels arrived in the period: performance could not be measured; wire label ingestion.',
    );
  if (!out.length) out.push('No action needed: keep the current monitoring cadence.');
  return out;
}

/** The periodic report (SOP-1013 6.2 periodic assessment, 6.7 ongoing maintenance and reporting). Pure. */
export function buildPeriodicReport(facts: ReportFacts): ReportContent {
  const champion =
    facts.versions.find((v) => v.version === facts.model.championVersion) ?? facts.versions.at(-1);
  const kpis = kpiSection(facts, champion?.metrics ?? {});
  const verdict = verdictOf(facts, kpis);
  const summary = emptySection('summary', 'Summary', 'present', [
    `Verdict: ${verdict}. Model ${facts.model.name} (tier ${facts.model.riskTier}, owner ${facts.model.owner}); production version ${facts.model.championVersion ?? 'none'}.`,
  ]);
  if (verdict === 'no-data') summary.status = 'no-data';
  const recs = recommendations(facts, verdict, kpis);
  return {
    kind: 'periodic',
    title: `Periodic monitoring report: ${facts.model.name}`,
    model: facts.model.name,
    tier: facts.model.riskTier,
    version: null,
    deploymentId: null,
    period: facts.period,
    verdict,
    sections: [
      summary,
      monitorsSection(facts),
      kpis,
      alertSection(facts),
      retrainingSection(facts),
      decisionRightsSection(facts),
      actionsSection(facts),
      emptySection('recommendations', 'Recommendations', 'present', recs),
    ],
  };
}
