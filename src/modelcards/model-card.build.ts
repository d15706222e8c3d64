import {
  emptySection,
  formatNumber,
  type DocumentSection,
  type DocumentTable,
  type GovernanceDocument,
} from '../documents/index.js';
import {
  MODEL_CARD_SECTIONS,
  versionBump,
  type DocumentationPolicy,
  type ModelCardSection,
} from '../policy/index.js';
import type { ModelCardFacts } from './model-card.facts.js';
import { HUMAN_SECTIONS, type HumanSection } from './model-card.repository.js';
import { parseUploadedCard } from './uploaded-card.parse.js';

/**
 * Sections the deployment gate (`model-card.complete`) can require: the ones that exist before a
 * version is promoted. Validation, approvals, deployments, monitoring and incidents are produced
 * by the lifecycle itself and are reported as gaps of the card, not of the gate.
 */
export const GATE_SECTIONS: readonly ModelCardSection[] = [
  'modelDetails',
  'intendedUse',
  'trainingData',
  'features',
  'metrics',
  'limitations',
  'ethicalConsiderations',
];

const TITLES: Record<ModelCardSection, string> = {
  modelDetails: 'Model details',
  intendedUse: 'Intended use and out-of-scope uses',
  trainingData: 'Training data lineage',
  features: 'Features',
  metrics: 'Metrics overall and per segment',
  fairness: 'Fairness by group',
  calibration: 'Calibration',
  validation: 'Validation evidence and waivers',
  approvals: 'Approvals and decision minutes',
  deployments: 'Deployment history',
  monitoring: 'Monitoring status',
  limitations: 'Known limitations',
  ethicalConsiderations: 'Ethical considerations',
  incidents: 'Open alerts and incidents',
};

export interface ModelCardReview {
  /** When the card's content last changed by people (a section written or the card uploaded). */
  lastUpdatedAt: string;
  reviewDays: number | null;
  dueAt: string | null;
  overdue: boolean;
}

/** The generated card as JSON: metadata, template, gaps, review and sections. */
export interface ModelCard {
  kind: 'model-card';
  model: string;
  version: string;
  tier: number;
  generatedAt: string;
  template: { tier: number; requiredSections: ModelCardSection[]; source: string };
  /** Required sections without content. */
  gaps: ModelCardSection[];
  /** Gaps the deployment gate (`model-card.complete`) judges. */
  gateGaps: ModelCardSection[];
  review: ModelCardReview;
  sections: DocumentSection[];
}

const table = (caption: string, columns: string[], rows: string[][]): DocumentTable => ({
  caption,
  columns,
  rows,
});
const text = (v: unknown): string =>
  v === null || v === undefined
    ? '—'
    : typeof v === 'number'
      ? formatNumber(v)
      : typeof v === 'string'
        ? v
        : JSON.stringify(v);

function section(id: ModelCardSection, partial: Partial<DocumentSection>): DocumentSection {
  return { ...emptySection(id, TITLES[id], 'present'), ...partial };
}

function noData(id: ModelCardSection, why: string): DocumentSection {
  return emptySection(id, TITLES[id], 'no-data', [why]);
}

/** The current text of a human section: the newest API revision, else the uploaded card's section, else (intended use) the registry field. */
function humanSection(facts: ModelCardFacts, id: HumanSection): DocumentSection {
  const revision = facts.humanSections.find((s) => s.section === id);
  const uploaded = facts.uploadedCard ? parseUploadedCard(facts.uploadedCard.text)[id] : undefined;
  const base = { ...emptySection(id, TITLES[id], 'present'), origin: 'human' as const };
  if (revision && (!uploaded || !facts.uploadedCard || revision.writtenAt >= facts.uploadedCard.uploadedAt))
    return {
      ...base,
      paragraphs: [revision.text],
      authorship: {
        writtenBy: revision.writtenBy,
        writtenAt: revision.writtenAt,
        source: 'model-card API',
        revision: revision.revision,
      },
    };
  if (uploaded && facts.uploadedCard)
    return {
      ...base,
      paragraphs: [uploaded],
      authorship: {
        writtenBy: facts.uploadedCard.uploadedBy,
        writtenAt: facts.uploadedCard.uploadedAt,
        source: 'uploaded model card',
        revision: 0,
      },
    };
  if (id === 'intendedUse' && facts.model.intendedUse)
    return {
      ...base,
      paragraphs: [facts.model.intendedUse],
      authorship: {
        writtenBy: facts.model.createdBy,
        writtenAt: facts.model.createdAt,
        source: 'model registration',
        revision: 0,
      },
    };
  return { ...base, status: 'missing', paragraphs: ['Nobody has written this section yet.'] };
}

function latestRun(facts: ModelCardFacts) {
  return facts.validationRuns[facts.validationRuns.length - 1];
}

function buildSection(facts: ModelCardFacts, id: ModelCardSection): DocumentSection {
  const { model, version } = facts;
  switch (id) {
    case 'modelDetails': {
      const bump = versionBump(facts.previousVersion, version.version);
      return section(id, {
        tables: [
          table(
            'Model and version',
            ['field', 'value'],
            [
              ['name', model.name],
              ['owner', model.owner],
              ['team', model.team ?? '—'],
              ['risk tier', String(model.riskTier)],
              ['use case', model.useCase ?? '—'],
              ['version', version.version],
              ['stage', version.stage],
              ['framework', version.framework ?? '—'],
              ['bump level', facts.previousVersion ? `${bump} (from ${facts.previousVersion})` : 'initial'],
              ['artifact SHA-256', version.artifact?.sha256 ?? '—'],
              ['signed and verified', version.verified ? 'yes' : 'no'],
              ['registered', `${version.createdAt} by ${version.createdBy}`],
            ],
          ),
        ],
      });
    }
    case 'intendedUse':
    case 'limitations':
    case 'ethicalConsiderations':
      return humanSection(facts, id);
    case 'trainingData': {
      const l = version.lineage;
      const rows: string[][] = [];
      if (l.featureSetVersion) rows.push(['feature-set version', l.featureSetVersion]);
      if (l.trainingRunId) rows.push(['training run', l.trainingRunId]);
      if (l.codeCommit) rows.push(['code commit', l.codeCommit]);
      if (l.environment) rows.push(['environment', JSON.stringify(l.environment)]);
      if (l.hyperparameters) rows.push(['hyperparameters', JSON.stringify(l.hyperparameters)]);
      return section(id, {
        tables: [
          table(
            'Datasets',
            ['name', 'URI', 'SHA-256'],
            l.datasets.map((d) => [d.name, d.uri, d.sha256]),
          ),
          ...(rows.length ? [table('Training run', ['field', 'value'], rows)] : []),
        ],
      });
    }
    case 'features':
      return facts.features.length
        ? section(id, {
            tables: [
              table(
                'Catalog features consumed',
                ['feature', 'owner', 'type', 'version', 'status'],
                facts.features.map((f) => [f.name, f.owner, f.type, f.semver, f.status]),
              ),
            ],
          })
        : noData(id, 'No catalog features are linked to this version.');
    case 'metrics': {
      const overall = Object.entries(version.metrics).sort(([a], [b]) => (a < b ? -1 : 1));
      const segments = Object.entries(version.segmentMetrics).sort(([a], [b]) => (a < b ? -1 : 1));
      if (!overall.length && !segments.length)
        return noData(id, 'The version records no evaluation metrics.');
      const names = [...new Set(segments.flatMap(([, m]) => Object.keys(m)))].sort();
      return section(id, {
        tables: [
          table(
            'Overall',
            ['metric', 'value'],
            overall.map(([k, v]) => [k, formatNumber(v)]),
          ),
          ...(segments.length
            ? [
                table(
                  'Per segment',
                  ['segment', ...names],
                  segments.map(([s, m]) => [s, ...names.map((n) => formatNumber(m[n]))]),
                ),
              ]
            : []),
        ],
      });
    }
    case 'fairness': {
      const run = latestRun(facts);
      const checks = run?.checks.filter((c) => c.name.startsWith('fairness.')) ?? [];
      if (!checks.length) return noData(id, 'No validation run measured fairness for this version.');
      const groups = checks.flatMap((c) =>
        (c.items ?? []).map((it) => [
          c.name,
          text(it.group ?? it.attribute ?? it.segment),
          text(it.value ?? it.rate ?? it.ratio),
          text(it.status),
        ]),
      );
      return section(id, {
        paragraphs: [`From validation run ${run!.id} (${run!.createdAt}).`],
        tables: [
          table(
            'Fairness checks',
            ['check', 'status', 'value', 'threshold', 'detail'],
            checks.map((c) => [c.name, c.status, text(c.value), text(c.threshold), c.detail ?? '']),
          ),
          ...(groups.length ? [table('Per group', ['check', 'group', 'value', 'status'], groups)] : []),
        ],
      });
    }
    case 'calibration': {
      const keys = Object.entries(version.metrics).filter(([k]) =>
        /brier|ece|calibration|log.?loss/i.test(k),
      );
      const monitored = facts.monitoring.filter((m) => /brier|calibration/i.test(m.rule));
      if (!keys.length && !monitored.length)
        return noData(id, 'No calibration metric (Brier score, ECE, log loss) was recorded or monitored.');
      return section(id, {
        tables: [
          ...(keys.length
            ? [
                table(
                  'At validation',
                  ['metric', 'value'],
                  keys.map(([k, v]) => [k, formatNumber(v)]),
                ),
              ]
            : []),
          ...(monitored.length
            ? [
                table(
                  'In production (latest window)',
                  ['monitor', 'segment', 'value', 'threshold', 'status'],
                  monitored.map((m) => [
                    m.rule,
                    m.segment || 'all',
                    formatNumber(m.value),
                    formatNumber(m.threshold),
                    m.status,
                  ]),
                ),
              ]
            : []),
        ],
      });
    }
    case 'validation': {
      if (!facts.validationRuns.length)
        return noData(id, 'No validation run has been recorded for this version.');
      const run = latestRun(facts)!;
      const waivers = facts.validationRuns.flatMap((r) =>
        r.waivers.map((w) => [
          r.id,
          w.check,
          w.status,
          w.reason,
          w.until,
          w.requestedBy,
          w.approvedBy ?? '—',
        ]),
      );
      return section(id, {
        tables: [
          table(
            'Runs',
            ['run', 'level', 'result', 'at', 'by'],
            facts.validationRuns.map((r) => [
              r.id,
              r.level,
              r.passed ? 'passed' : 'failed',
              r.createdAt,
              r.createdBy,
            ]),
          ),
          table(
            `Checks of the latest run (${run.id})`,
            ['check', 'status', 'value', 'threshold', 'policy rule'],
            run.checks.map((c) => [c.name, c.status, text(c.value), text(c.threshold), c.rule ?? '']),
          ),
          ...(waivers.length
            ? [
                table(
                  'Waivers',
                  ['run', 'check', 'status', 'reason', 'until', 'requested by', 'approved by'],
                  waivers,
                ),
              ]
            : []),
        ],
      });
    }
    case 'approvals': {
      if (!facts.changeRequests.length)
        return noData(id, 'No change request has been opened for this version.');
      return section(id, {
        tables: [
          table(
            'Change requests',
            ['request', 'transition', 'status', 'requested by', 'reason', 'opened', 'executed'],
            facts.changeRequests.map((r) => [
              r.id,
              `${r.from ?? '—'} → ${r.to ?? '—'}`,
              r.status,
              r.requestedBy,
              r.reason,
              r.createdAt,
              r.executedAt ?? '—',
            ]),
          ),
          table(
            'Decision minutes',
            ['request', 'principal', 'role', 'decision', 'comment', 'at'],
            facts.changeRequests.flatMap((r) =>
              r.decisions.map((d) => [r.id, d.principal, d.role, d.decision, d.comment ?? '', d.at]),
            ),
          ),
        ],
      });
    }
    case 'deployments':
      return facts.deployments.length
        ? section(id, {
            tables: [
              table(
                'Deployments',
                ['deployment', 'environment', 'target', 'traffic %', 'status', 'deployed', 'by', 'ended'],
                facts.deployments.map((d) => [
                  d.id,
                  d.environment,
                  d.target,
                  formatNumber(d.trafficPercent),
                  d.status,
                  d.deployedAt,
                  d.deployedBy,
                  d.endedAt ?? '—',
                ]),
              ),
            ],
          })
        : noData(id, 'This version has never been deployed.');
    case 'monitoring': {
      if (!facts.monitoring.length) return noData(id, 'No monitor has evaluated this version yet.');
      const worst = facts.monitoring.filter((m) => m.status === 'alert').length;
      return section(id, {
        paragraphs: [`${facts.monitoring.length} monitors; ${worst} at alert in their latest window.`],
        tables: [
          table(
            'Latest result per monitor',
            ['monitor', 'feature', 'segment', 'status', 'value', 'threshold', 'evaluated'],
            facts.monitoring.map((m) => [
              m.rule,
              m.feature || '—',
              m.segment || 'all',
              m.status,
              formatNumber(m.value),
              formatNumber(m.threshold),
              m.evaluatedAt,
            ]),
          ),
        ],
      });
    }
    case 'incidents': {
      const rows = [
        ...facts.openAlerts.map((a) => ['alert', a.id, a.rule, a.severity, a.status, a.openedAt]),
        ...facts.openIncidents.map((i) => [
          'incident',
          i.id,
          i.signal,
          `rate ${formatNumber(i.rate)}`,
          i.status,
          i.openedAt,
        ]),
      ];
      return section(id, {
        paragraphs: [rows.length ? `${rows.length} open.` : 'No open alerts or incidents.'],
        tables: rows.length
          ? [table('Open', ['kind', 'id', 'what', 'severity', 'status', 'opened'], rows)]
          : [],
      });
    }
  }
}

/** When people last changed the card, and when it is due for review under the tier's period. */
export function cardReview(facts: ModelCardFacts, reviewDays: number | null, now: Date): ModelCardReview {
  const times = [facts.version.createdAt, ...facts.humanSections.map((s) => s.writtenAt)];
  if (facts.uploadedCard) times.push(facts.uploadedCard.uploadedAt);
  const lastUpdatedAt = times.sort().at(-1)!;
  const dueAt =
    reviewDays === null ? null : new Date(Date.parse(lastUpdatedAt) + reviewDays * 86_400_000).toISOString();
  return { lastUpdatedAt, reviewDays, dueAt, overdue: dueAt !== null && now.toISOString() > dueAt };
}

/** Builds the card from its facts and the tier's template. Pure: time comes in as `now`. */
export function buildModelCard(facts: ModelCardFacts, template: DocumentationPolicy, now: Date): ModelCard {
  const required = new Set(template.modelCard.requiredSections);
  const sections = MODEL_CARD_SECTIONS.map((id) => ({
    ...buildSection(facts, id),
    required: required.has(id),
  }));
  const gaps = sections
    .filter((s) => s.required && s.status !== 'present')
    .map((s) => s.id as ModelCardSection);
  return {
    kind: 'model-card',
    model: facts.model.name,
    version: facts.version.version,
    tier: facts.model.riskTier,
    generatedAt: now.toISOString(),
    template: {
      tier: facts.model.riskTier,
      requiredSections: MODEL_CARD_SECTIONS.filter((s) => required.has(s)),
      source: template.source,
    },
    gaps,
    gateGaps: gaps.filter((g) => GATE_SECTIONS.includes(g)),
    review: cardReview(facts, template.modelCard.reviewDays, now),
    sections,
  };
}

/** The card as a document for the Markdown and HTML renderers. */
export function modelCardDocument(card: ModelCard): GovernanceDocument {
  return {
    kind: 'model-card',
    title: `Model card: ${card.model} ${card.version}`,
    facts: [
      ['Generated', card.generatedAt],
      ['Risk tier', `${card.tier} (template requires ${card.template.requiredSections.length} sections)`],
      ['Gaps', card.gaps.length ? card.gaps.join(', ') : 'none'],
      ['Last updated by people', card.review.lastUpdatedAt],
      [
        'Review due',
        card.review.dueAt
          ? `${card.review.dueAt}${card.review.overdue ? ' (OVERDUE)' : ''}`
          : 'at deployment',
      ],
    ],
    sections: card.sections,
  };
}

export { HUMAN_SECTIONS };
