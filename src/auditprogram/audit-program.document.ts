import type { DocumentSection, GovernanceDocument } from '../documents/index.js';
import {
  AUDIT_AREA_LABELS,
  DECISION_KINDS,
  FINDING_STATUSES,
  type AuditFinding,
  type AuditProgram,
} from './audit-program.schema.js';
import { dueAt } from './audit-program.service.js';

/** The program report's content: the program, its findings and their status at `asOf`. */
export interface ProgramReport {
  program: AuditProgram;
  findings: Array<AuditFinding & { overdue: boolean }>;
  status: {
    byStatus: Record<string, number>;
    overdue: number;
    byArea: Record<string, number>;
  };
  asOf: string;
}

export function buildProgramReport(
  program: AuditProgram,
  findings: AuditFinding[],
  asOf: Date,
): ProgramReport {
  const withOverdue = findings.map((f) => ({
    ...f,
    overdue: (f.status === 'open' || f.status === 'in-progress') && dueAt(f.dueDate) <= asOf.getTime(),
  }));
  return {
    program,
    findings: withOverdue,
    status: {
      byStatus: Object.fromEntries(
        FINDING_STATUSES.map((s) => [s, findings.filter((f) => f.status === s).length]),
      ),
      overdue: withOverdue.filter((f) => f.overdue).length,
      byArea: Object.fromEntries(program.scope.map((a) => [a, findings.filter((f) => f.area === a).length])),
    },
    asOf: asOf.toISOString(),
  };
}

const section = (id: string, title: string, body: Partial<DocumentSection>): DocumentSection => ({
  id,
  title,
  status: 'present',
  origin: 'generated',
  paragraphs: [],
  tables: [],
  charts: [],
  ...body,
});

/** The program report as a document: scope, sample, decision samples, findings and status. */
export function programDocument(report: ProgramReport): GovernanceDocument {
  const { program: p, findings, status } = report;
  const t2 = p.selection.tier2;
  const sections: DocumentSection[] = [
    section('scope', 'Scope', {
      paragraphs: [
        `The ${p.year} annual model audit covers ${p.scope.length} of the seven audit areas; the auditor is independent of model development and operations (principals holding data-scientist, ml-engineer or mlops roles cannot record or close findings).`,
      ],
      tables: [
        {
          caption: 'Audit areas in scope',
          columns: ['Area', 'Description', 'Findings'],
          rows: p.scope.map((a) => [a, AUDIT_AREA_LABELS[a], String(status.byArea[a] ?? 0)]),
        },
      ],
    }),
    section('sample', 'Models selected', {
      paragraphs: [
        `All ${p.selection.tier1.length} tier-1 models, and ${t2.sampleSize} of ${t2.population} tier-2 models (${t2.pct} %, rounded up) drawn with seed "${p.seed}".`,
        'Reproduce the sample: for each tier-2 model compute the SHA-256 (hex) of the seed, a newline and the model name; the sample is the models with the smallest values.',
      ],
      tables: [
        {
          caption: 'Tier 1 (all)',
          columns: ['Model', 'Owner'],
          rows: p.selection.tier1.map((m) => [m.model, m.owner]),
        },
        {
          caption: 'Tier 2 (random sample)',
          columns: ['Model', 'Owner', 'Sample key'],
          rows: t2.sample.map((m) => [m.model, m.owner, m.sampleKey ?? '']),
        },
      ],
      status: p.selection.tier1.length + t2.sample.length === 0 ? 'no-data' : 'present',
    }),
    section('decisions', 'Quarterly decision samples', {
      paragraphs: [
        `Up to ${p.decisionsPerQuarter} decisions of each kind (${DECISION_KINDS.join(', ')}) per quarter, drawn with the same seed over "<kind>:<id>". A quarter that had not ended when the program was opened holds what had been decided by then.`,
      ],
      tables: p.decisionSamples.map((q) => ({
        caption: `Q${q.quarter} ${p.year} (${q.from.slice(0, 10)} to ${q.to.slice(0, 10)}${q.complete ? '' : ', not complete'}): ${DECISION_KINDS.map((k) => `${q.population[k]} ${k}`).join(', ')}`,
        columns: ['Kind', 'Decision', 'Model', 'At', 'Summary'],
        rows: q.decisions.map((d) => [d.kind, d.id, d.model ?? '—', d.at, d.summary]),
      })),
    }),
    section('findings', 'Findings', {
      status: findings.length === 0 ? 'no-data' : 'present',
      paragraphs: findings.length === 0 ? ['No findings recorded.'] : [],
      tables:
        findings.length === 0
          ? []
          : [
              {
                caption: 'Findings with remediation',
                columns: [
                  'Finding',
                  'Area',
                  'Model',
                  'Severity',
                  'Title',
                  'Owner',
                  'Due',
                  'Status',
                  'Evidence',
                ],
                rows: findings.map((f) => [
                  f.id,
                  f.area,
                  f.model ?? '—',
                  f.severity,
                  f.title,
                  f.owner,
                  f.dueDate,
                  f.overdue ? `${f.status} (overdue)` : f.status,
                  f.evidence.join(' '),
                ]),
              },
              {
                caption: 'Responses and closure',
                columns: ['Finding', 'Response', 'By', 'Closed by', 'Closing note'],
                rows: findings.map((f) => [
                  f.id,
                  f.response ?? '—',
                  f.respondedBy ?? '—',
                  f.closedBy ?? '—',
                  f.closingNote ?? '—',
                ]),
              },
            ],
    }),
    section('status', 'Status', {
      paragraphs: [
        `${findings.length} findings: ${FINDING_STATUSES.map((s) => `${status.byStatus[s] ?? 0} ${s}`).join(', ')}; ${status.overdue} overdue as of ${report.asOf}.`,
      ],
    }),
  ];
  return {
    kind: 'audit-program',
    title: `Annual model audit program ${p.year}`,
    facts: [
      ['Program', p.id],
      ['Year', String(p.year)],
      ['Opened', `${p.createdAt} by ${p.createdBy}`],
      ['Seed', p.seed],
      ['Status as of', report.asOf],
    ],
    sections,
  };
}
