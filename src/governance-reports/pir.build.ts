import { emptySection, formatNumber, type DocumentSection } from '../documents/index.js';
import { tierPolicy } from '../policy/index.js';
import {
  alertSection,
  kpiSection,
  monitorsSection,
  verdictOf,
  type ReportContent,
} from './periodic-report.build.js';
import { metricsOf } from './report-metrics.js';
import type { ReportFacts } from './report.facts.js';

const f = formatNumber;

/** The deployment a review is about. */
export interface ReviewedDeployment {
  id: string;
  version: string;
  environment: string;
  target: string;
  deployedAt: string;
  /** Days of production the review covers, and how many have elapsed when it was generated. */
  days: number;
  elapsedDays: number;
}

/** Promised (validated) vs observed for each metric both sides have: `within` when the drop is inside the tier's tolerance. */
function comparisonRows(
  promised: Record<string, number>,
  observed: Record<string, number | null>,
  tolerancePct: number,
): string[][] {
  return Object.keys(promised)
    .filter((k) => observed[k] !== undefined)
    .sort()
    .map((k) => {
      const p = promised[k]!;
      const o = observed[k] ?? null;
      // Brier and error rate are better when lower.
      const lowerIsBetter = k === 'brier' || k === 'errorRate';
      const drop = o === null ? null : (lowerIsBetter ? o - p : p - o) * 100;
      const verdict =
        drop === null ? 'no labels' : drop > tolerancePct ? 'worse than promised' : 'as promised';
      return [
        k,
        f(p),
        f(o),
        drop === null ? '—' : `${drop > 0 ? '-' : '+'}${f(Math.abs(drop))} pts`,
        `${tolerancePct} pts`,
        verdict,
      ];
    });
}

/**
 * The post-implementation review (SOP-1013 6.8) of a deployment: what validation promised
 * (the version's recorded metrics overall and per segment) against what the first N days of
 * production showed, per metric and per segment. Pure.
 */
export function buildPostImplementationReview(
  facts: ReportFacts,
  deployment: ReviewedDeployment,
): ReportContent {
  const version = facts.versions.find((v) => v.version === deployment.version);
  const promised = version?.metrics ?? {};
  const validation = tierPolicy(facts.policy, facts.model.riskTier).validation;
  const all = facts.segments[''];
  const sections: DocumentSection[] = [];
  const partial = deployment.elapsedDays < deployment.days;
  sections.push(
    emptySection('scope', 'Scope', 'present', [
      `Deployment ${deployment.id}: version ${deployment.version} to ${deployment.environment}/${deployment.target} on ${deployment.deployedAt}. The review covers the first ${deployment.days} days of production${partial ? ` (only ${deployment.elapsedDays} have elapsed: this review is partial)` : ''}.`,
    ]),
  );
  if (!all || all.labelled === 0) {
    sections.push(
      emptySection('promised-vs-observed', 'Validation promised vs production observed', 'no-data', [
        all && all.records > 0
          ? `${all.records} records were logged but none carried ground truth: production performance cannot be compared yet.`
          : 'No inference records were logged for this version in the period.',
      ]),
    );
  } else {
    const observed = metricsOf(all);
    const rows = comparisonRows(promised, observed, validation.noRegressionPct);
    const segRows: string[][] = [];
    for (const [segment, metrics] of Object.entries(version?.segmentMetrics ?? {}).sort(([a], [b]) =>
      a < b ? -1 : 1,
    )) {
      const t = facts.segments[segment];
      const seen = t && t.labelled > 0 ? metricsOf(t) : {};
      for (const row of comparisonRows(metrics, seen, validation.segmentRegressionPct))
        segRows.push([segment, ...row]);
      if (!t) segRows.push([segment, '—', '—', '—', '—', '—', 'no records in this segment']);
    }
    const worse = [...rows, ...segRows.map((r) => r.slice(1))].filter(
      (r) => r[5] === 'worse than promised',
    ).length;
    sections.push({
      ...emptySection('promised-vs-observed', 'Validation promised vs production observed', 'present', [
        `${all.labelled} labelled records. ${worse === 0 ? 'Every compared metric is within its tolerance.' : `${worse} comparisons are worse than promised beyond the tier's tolerance.`}`,
      ]),
      tables: [
        {
          caption: 'Overall',
          columns: ['metric', 'promised', 'observed', 'change', 'tolerance', 'verdict'],
          rows: rows.length
            ? rows
            : [['—', '—', '—', '—', '—', 'the version recorded no metric production can measure']],
        },
        ...(segRows.length
          ? [
              {
                caption: 'Per segment',
                columns: ['segment', 'metric', 'promised', 'observed', 'change', 'tolerance', 'verdict'],
                rows: segRows,
              },
            ]
          : []),
      ],
    });
  }
  const kpis = kpiSection(facts, promised);
  sections.push(kpis, monitorsSection(facts), alertSection(facts));
  const verdict = verdictOf(facts, kpis);
  const worse =
    sections.find((s) => s.id === 'promised-vs-observed')?.paragraphs[0]?.includes('worse than promised') ??
    false;
  return {
    kind: 'post-implementation-review',
    title: `Post-implementation review: ${facts.model.name} ${deployment.version}`,
    model: facts.model.name,
    tier: facts.model.riskTier,
    version: deployment.version,
    deploymentId: deployment.id,
    period: facts.period,
    verdict: worse && verdict === 'satisfactory' ? 'needs-attention' : verdict,
    sections,
  };
}
