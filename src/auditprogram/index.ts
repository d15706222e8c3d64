/**
 * The annual model audit program (seed 002): all tier-1 models and a seeded random sample of
 * tier-2 models, quarterly samples of decisions, findings per audit area recorded and closed by an
 * independent auditor and answered by their owners, the overdue-remediation alert and the
 * program report.
 */
export { registerAuditProgramRoutes } from './audit-program.routes.js';
export { auditFindingOverdueTask, raiseOverdueFindings } from './audit-program.service.js';
export { AUDIT_AREAS, AUDIT_AREA_LABELS, type AuditArea } from './audit-program.schema.js';
