import type { GovernanceDocument } from '../documents/index.js';
import type { ReportContent } from './periodic-report.build.js';
import type { StoredReport } from './report.repository.js';

/** A stored report as a document: generation date, data period and audit head on the page. */
export function reportDocument(meta: StoredReport, content: ReportContent): GovernanceDocument {
  return {
    kind: content.kind,
    title: content.title,
    facts: [
      ['Report', meta.id],
      ['Generated', `${meta.generatedAt} by ${meta.generatedBy} (${meta.trigger})`],
      ['Data period', `${content.period.from} to ${content.period.to}`],
      [
        'Model',
        `${content.model} (tier ${content.tier})${content.version ? `, version ${content.version}` : ''}`,
      ],
      ...(content.deploymentId ? ([['Deployment', content.deploymentId]] as Array<[string, string]>) : []),
      ['Verdict', content.verdict],
      ['Audit head at generation', `entry ${meta.auditHead.seq}, ${meta.auditHead.hash}`],
      ['Content SHA-256', meta.contentSha256],
    ],
    sections: content.sections,
  };
}
