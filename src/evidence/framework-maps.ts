/**
 * What each framework asks for, item by item, and which kinds of Warden evidence answer it.
 * An item is evidenced when the pack holds at least one of its kinds with content; otherwise it is
 * listed plainly as a gap. Items Warden can never evidence (a declaration of conformity, the
 * harmonised standards applied) have no kinds and are always gaps.
 */
export const EVIDENCE_KINDS = [
  'inventory',
  'model-card',
  'intended-use',
  'limitations',
  'ethics',
  'lineage',
  'features',
  'metrics',
  'fairness',
  'validation',
  'waivers',
  'approvals',
  'change-history',
  'deployments',
  'monitoring',
  'alerts',
  'incidents',
  'retraining',
  'periodic-report',
  'post-implementation-review',
  'policy',
  'audit-trail',
] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export interface FrameworkItem {
  id: string;
  title: string;
  kinds: EvidenceKind[];
}

export const FRAMEWORKS = ['eu-ai-act', 'sr-26-2', 'nist-ai-rmf', 'iso-42001'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export const FRAMEWORK_TITLES: Record<Framework, string> = {
  'eu-ai-act':
    'EU AI Act (Regulation (EU) 2024/1689): Annex IV technical documentation and Article 72 post-market monitoring',
  'sr-26-2': 'Federal Reserve SR 26-2 (superseding SR 11-7): model risk management',
  'nist-ai-rmf': 'NIST AI Risk Management Framework 1.0 (AI 100-1)',
  'iso-42001': 'ISO/IEC 42001:2023 Annex A controls',
};

export const FRAMEWORK_ITEMS: Record<Framework, FrameworkItem[]> = {
  'eu-ai-act': [
    {
      id: 'annex-iv-1',
      title: 'Annex IV(1) General description of the AI system: intended purpose, provider, versions',
      kinds: ['inventory', 'model-card', 'intended-use'],
    },
    {
      id: 'annex-iv-2',
      title:
        'Annex IV(2) Detailed description of the elements and of the development process: data, design, training',
      kinds: ['lineage', 'features', 'model-card'],
    },
    {
      id: 'annex-iv-3',
      title:
        'Annex IV(3) Monitoring, functioning and control: capabilities, limitations, foreseeable risks, human oversight',
      kinds: ['limitations', 'monitoring', 'alerts'],
    },
    {
      id: 'annex-iv-4',
      title: 'Annex IV(4) Appropriateness of the performance metrics',
      kinds: ['metrics', 'validation'],
    },
    {
      id: 'annex-iv-5',
      title: 'Annex IV(5) Risk management system (Article 9)',
      kinds: ['policy', 'validation', 'ethics'],
    },
    {
      id: 'annex-iv-6',
      title: 'Annex IV(6) Relevant changes made through the lifecycle',
      kinds: ['change-history', 'approvals', 'audit-trail'],
    },
    {
      id: 'annex-iv-7',
      title: 'Annex IV(7) Harmonised standards or other specifications applied',
      kinds: [],
    },
    { id: 'annex-iv-8', title: 'Annex IV(8) Copy of the EU declaration of conformity', kinds: [] },
    {
      id: 'annex-iv-9',
      title:
        'Annex IV(9) System to evaluate performance in the post-market phase (post-market monitoring plan)',
      kinds: ['policy', 'monitoring', 'periodic-report'],
    },
    {
      id: 'article-72',
      title: 'Article 72 Post-market monitoring: data collected and analysed over the lifetime',
      kinds: ['periodic-report', 'post-implementation-review', 'monitoring', 'incidents'],
    },
  ],
  'sr-26-2': [
    {
      id: 'development',
      title: 'Model development, implementation and use: design, data, methodology, intended use',
      kinds: ['model-card', 'lineage', 'features', 'intended-use'],
    },
    {
      id: 'validation',
      title: 'Model validation: conceptual soundness, effective challenge, findings and waivers',
      kinds: ['validation', 'waivers', 'metrics'],
    },
    {
      id: 'governance',
      title: 'Governance, policies and controls: inventory, approvals, roles, audit trail',
      kinds: ['inventory', 'policy', 'approvals', 'audit-trail'],
    },
    {
      id: 'ongoing-monitoring',
      title: 'Ongoing monitoring: process verification and benchmarking in production',
      kinds: ['monitoring', 'alerts', 'periodic-report'],
    },
    {
      id: 'outcomes-analysis',
      title: 'Outcomes analysis: comparison of model outputs with actual outcomes',
      kinds: ['post-implementation-review', 'periodic-report'],
    },
  ],
  'nist-ai-rmf': [
    {
      id: 'GOVERN-1.1',
      title: 'GOVERN 1.1 Legal and regulatory requirements are understood, managed and documented',
      kinds: ['policy'],
    },
    {
      id: 'GOVERN-1.4',
      title:
        'GOVERN 1.4 The risk management process and its outcomes are established through transparent policies',
      kinds: ['policy', 'audit-trail'],
    },
    {
      id: 'GOVERN-1.6',
      title: 'GOVERN 1.6 Mechanisms are in place to inventory AI systems',
      kinds: ['inventory'],
    },
    {
      id: 'GOVERN-2.1',
      title: 'GOVERN 2.1 Roles, responsibilities and lines of communication are documented',
      kinds: ['approvals'],
    },
    {
      id: 'MAP-1.1',
      title: 'MAP 1.1 Intended purposes, beneficial uses and context are understood and documented',
      kinds: ['intended-use'],
    },
    {
      id: 'MAP-2.2',
      title: 'MAP 2.2 Knowledge limits of the AI system and how output will be used are documented',
      kinds: ['limitations'],
    },
    {
      id: 'MAP-4.1',
      title:
        'MAP 4.1 Approaches for mapping technology and legal risks of components (data, third parties) are in place',
      kinds: ['lineage', 'features'],
    },
    {
      id: 'MAP-5.1',
      title: 'MAP 5.1 Likelihood and magnitude of each identified impact are documented',
      kinds: ['ethics'],
    },
    {
      id: 'MEASURE-1.1',
      title: 'MEASURE 1.1 Approaches and metrics for measuring AI risks are selected and documented',
      kinds: ['validation', 'metrics'],
    },
    {
      id: 'MEASURE-2.3',
      title:
        'MEASURE 2.3 System performance is measured qualitatively or quantitatively under deployment-like conditions',
      kinds: ['metrics', 'post-implementation-review'],
    },
    {
      id: 'MEASURE-2.4',
      title: 'MEASURE 2.4 The functionality and behavior of the system are monitored in production',
      kinds: ['monitoring', 'periodic-report'],
    },
    {
      id: 'MEASURE-2.11',
      title: 'MEASURE 2.11 Fairness and bias are evaluated and results documented',
      kinds: ['fairness'],
    },
    {
      id: 'MEASURE-3.1',
      title:
        'MEASURE 3.1 Approaches, personnel and documentation are in place to identify and track emergent risks',
      kinds: ['alerts', 'incidents'],
    },
    {
      id: 'MANAGE-2.4',
      title: 'MANAGE 2.4 Mechanisms are in place to supersede, disengage or deactivate the system',
      kinds: ['deployments', 'change-history'],
    },
    {
      id: 'MANAGE-4.1',
      title: 'MANAGE 4.1 Post-deployment monitoring plans are implemented',
      kinds: ['periodic-report', 'monitoring', 'retraining'],
    },
    {
      id: 'MANAGE-4.3',
      title: 'MANAGE 4.3 Incidents and errors are communicated and tracked',
      kinds: ['incidents', 'alerts'],
    },
  ],
  'iso-42001': [
    { id: 'A.2.2', title: 'A.2.2 AI policy', kinds: ['policy'] },
    { id: 'A.3.2', title: 'A.3.2 AI roles and responsibilities', kinds: ['approvals'] },
    { id: 'A.5.2', title: 'A.5.2 AI system impact assessment process', kinds: ['ethics'] },
    {
      id: 'A.6.2.2',
      title: 'A.6.2.2 AI system requirements and specification',
      kinds: ['intended-use', 'model-card'],
    },
    {
      id: 'A.6.2.3',
      title: 'A.6.2.3 Documentation of AI system design and development',
      kinds: ['lineage', 'model-card'],
    },
    {
      id: 'A.6.2.4',
      title: 'A.6.2.4 AI system verification and validation',
      kinds: ['validation', 'waivers'],
    },
    { id: 'A.6.2.5', title: 'A.6.2.5 AI system deployment', kinds: ['deployments', 'approvals'] },
    {
      id: 'A.6.2.6',
      title: 'A.6.2.6 AI system operation and monitoring',
      kinds: ['monitoring', 'periodic-report', 'alerts'],
    },
    { id: 'A.6.2.7', title: 'A.6.2.7 AI system technical documentation', kinds: ['model-card'] },
    { id: 'A.6.2.8', title: 'A.6.2.8 AI system recording of event logs', kinds: ['audit-trail'] },
    { id: 'A.7.4', title: 'A.7.4 Quality of data for AI systems', kinds: ['monitoring', 'validation'] },
    { id: 'A.7.5', title: 'A.7.5 Data provenance', kinds: ['lineage'] },
    {
      id: 'A.8.2',
      title: 'A.8.2 System documentation and information for users',
      kinds: ['model-card', 'limitations'],
    },
    { id: 'A.8.4', title: 'A.8.4 Communication of incidents', kinds: ['incidents'] },
    { id: 'A.9.4', title: 'A.9.4 Intended use of the AI system', kinds: ['intended-use'] },
  ],
};
