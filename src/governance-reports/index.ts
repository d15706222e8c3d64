/**
 * Reports generated from what Warden recorded and stored immutably: the periodic monitoring
 * report (SOP-1013 6.2/6.7) on the tier's cadence and on demand, and the post-implementation
 * review of a deployment (6.8). The offline drift and evaluation reports live in src/reports.
 */
export { registerReportRoutes } from './report.routes.js';
export { registerReportCommands } from './report.command.js';
export { reportScheduleTask, generateDueReports, lastCompletePeriod } from './report-schedule.task.js';
export { generatePeriodicReport, generatePostImplementationReview, getReport } from './report.service.js';
export { reportDocument } from './report.document.js';
export type { ReportContent } from './periodic-report.build.js';
export type { StoredReport } from './report.repository.js';
