import { formatNumber, type DocumentSection, type GovernanceDocument } from '../documents/index.js';
import type { ModelCard } from '../modelcards/index.js';
import type { Lineage, PrincipalReasons } from './explanation.schema.js';
import { mainFactors } from './reasons.rules.js';

const section = (
  id: string,
  title: string,
  paragraphs: string[],
  tables: DocumentSection['tables'] = [],
): DocumentSection => ({
  id,
  title,
  status: 'present',
  origin: 'generated',
  paragraphs,
  tables,
  charts: [],
});

/** Who a consumer writes to and how long the answer may take, printed in both documents. */
export interface ContestInfo {
  /** The model's owner, who answers disputes. */
  contact: string;
  disputeDays: number;
}

function contestParagraphs(lineage: Lineage, contest: ContestInfo): string[] {
  return [
    `You may contest this decision and ask for a person to review it. Quote the decision reference ${lineage.recordId} (${lineage.model} version ${lineage.version}).`,
    `A dispute is assigned to ${contest.contact} and answered within ${contest.disputeDays} days. You may also ask that future decisions about you are not made by automated means alone.`,
  ];
}

/**
 * The adverse-action notice (ECOA / Regulation B style): the decision, its principal reasons in
 * order of importance, and how to dispute it.
 */
export function adverseActionNotice(
  lineage: Lineage,
  reasons: PrincipalReasons,
  contest: ContestInfo,
): GovernanceDocument {
  const listed = reasons.reasons.map((r) => `${r.rank}. ${r.reason}`);
  return {
    kind: 'adverse-action-notice',
    title: 'Notice of adverse action',
    facts: [
      ['Decision reference', lineage.recordId],
      ['Decision date', lineage.timestamp],
      ['Model', `${lineage.model} ${lineage.version}`],
    ],
    sections: [
      section('decision', 'Decision', [
        reasons.adverse
          ? 'We were unable to approve your application on the terms requested.'
          : 'This decision was not adverse; no principal reasons apply.',
      ]),
      section(
        'reasons',
        'Principal reasons',
        listed.length > 0
          ? ['The principal reasons for this decision, most important first:', ...listed]
          : ['No factor pushed this decision toward the adverse outcome.'],
      ),
      section('rights', 'Your rights', contestParagraphs(lineage, contest)),
    ],
  };
}

/**
 * The explanation of one automated decision (GDPR Art. 22 / Art. 15(1)(h)): the logic involved
 * (a summary of the model card), the main factors with their direction, and how to contest.
 */
export function decisionExplanation(
  lineage: Lineage,
  card: ModelCard | null,
  contest: ContestInfo,
  n: number,
): GovernanceDocument {
  const logic: string[] = [];
  for (const s of card?.sections ?? []) {
    if (!['modelDetails', 'intendedUse', 'limitations'].includes(s.id) || s.status !== 'present') continue;
    const first = s.paragraphs[0];
    if (first !== undefined) logic.push(`${s.title}: ${first}`);
  }
  if (logic.length === 0) logic.push(`The decision was made by ${lineage.model} version ${lineage.version}.`);
  const factors = lineage.attributions ? mainFactors(lineage.attributions, n) : [];
  return {
    kind: 'decision-explanation',
    title: 'Explanation of an automated decision',
    facts: [
      ['Decision reference', lineage.recordId],
      ['Decision date', lineage.timestamp],
      ['Model', `${lineage.model} ${lineage.version}`],
      ['Outcome', JSON.stringify(lineage.output)],
      ['Score', formatNumber(lineage.score)],
    ],
    sections: [
      section('logic', 'Logic involved', logic),
      section(
        'factors',
        'Main factors',
        factors.length > 0
          ? [
              `The factors that weighed most in this decision (${lineage.attributionMethod ?? 'attribution'} values; positive raises the score).`,
            ]
          : ['The serving system recorded no attributions for this decision.'],
        factors.length > 0
          ? [
              {
                caption: 'Main factors, largest first',
                columns: ['Factor', 'Effect', 'Attribution'],
                rows: factors.map((f) => [f.feature, f.direction, formatNumber(f.attribution)]),
              },
            ]
          : [],
      ),
      section('contest', 'How to contest', contestParagraphs(lineage, contest)),
    ],
  };
}
