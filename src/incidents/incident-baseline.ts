import { listMonitoringResults } from '../monitoring/monitoring.results.js';
import type { BaselineLoader } from './incident.service.js';

/** How many stored results are read to find the trailing windows (windows may be evaluated more than once). */
const SCAN_LIMIT = 500;

/**
 * The trailing windows of a signal or feedback rule, from the stored monitoring results: walking
 * back from the current window, the latest results of the same rule and segment whose windows
 * end before the earliest window taken so far, so the baseline windows never overlap each other
 * or the window under test. Results without counts are skipped.
 */
export const loadSignalBaseline: BaselineLoader = async (trx, query) => {
  const { items } = await listMonitoringResults(trx, {
    modelName: query.model.name,
    rule: query.rule,
    segment: query.segment ?? '',
    limit: SCAN_LIMIT,
  });
  const windows = items
    .filter((r) => r.n !== undefined && r.count !== undefined && r.window.to <= query.before)
    .sort((a, b) => (a.window.to > b.window.to ? -1 : a.window.to < b.window.to ? 1 : 0));
  const taken: Array<{ n: number; count: number }> = [];
  let boundary = query.before;
  for (const r of windows) {
    if (taken.length >= query.limit) break;
    if (r.window.to > boundary) continue;
    taken.push({ n: r.n!, count: r.count! });
    boundary = r.window.from;
  }
  return taken;
};
